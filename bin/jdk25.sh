# Source this file: it points JAVA_HOME (and PATH) at a JDK 25 or newer, or fails saying why.
# Order: an existing JAVA_HOME that is already 25+, then JDKs under /usr/lib/jvm.
_gpu_agent_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'
}
_gpu_agent_jdk=""
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(_gpu_agent_java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
  _gpu_agent_jdk="$JAVA_HOME"
else
  for _c in /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25-* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
    if [ -x "$_c/bin/javac" ] && [ "$(_gpu_agent_java_major "$_c")" -ge 25 ] 2>/dev/null; then
      _gpu_agent_jdk="$_c"
      break
    fi
  done
fi
if [ -z "$_gpu_agent_jdk" ]; then
  echo "gpu-agent needs a JDK 25 or newer: none found in JAVA_HOME (${JAVA_HOME:-unset}) or /usr/lib/jvm." >&2
  echo "Install one (for example Temurin 25) and set JAVA_HOME to it." >&2
  return 1 2>/dev/null || exit 1
fi
export JAVA_HOME="$_gpu_agent_jdk"
export PATH="$JAVA_HOME/bin:$PATH"
unset _gpu_agent_jdk _c
