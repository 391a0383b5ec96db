#!/usr/bin/env bash
# Prepares .device/ so the GPU-tagged tests and the kernel benchmark run on a machine that has CUDA but
# no JDK or Maven (the device machine): a small Java 25 runtime (stripped, xz-compressed so that
# everything carried stays under the device tool's 64 MiB), the shaded jar, the compiled test classes
# and JUnit's standalone console launcher. Prints the command to run there with carry [".device"].
# Run from the repository root.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
. bin/jdk25.sh
junit_console_version=1.11.4
./mvnw -q -B -ntp package -DskipTests
./mvnw -q -B -ntp test-compile
git_dir="$(git rev-parse --git-dir)"
mkdir -p "$git_dir/info"
grep -qx '/.device/' "$git_dir/info/exclude" 2>/dev/null || echo '/.device/' >> "$git_dir/info/exclude"
rm -rf .device && mkdir -p .device
"$JAVA_HOME/bin/jlink" \
  --add-modules java.base,java.logging,java.xml,java.desktop,java.management,java.naming,java.sql,jdk.unsupported,java.net.http \
  --strip-debug --no-header-files --no-man-pages --compress zip-9 --output .device/jre
strip --strip-unneeded .device/jre/lib/server/libjvm.so 2>/dev/null || true
tar -cJf .device/jre.tar.xz -C .device jre
rm -rf .device/jre
cp agent/target/gpu-agent.jar .device/
cp -r agent/target/test-classes .device/test-classes
./mvnw -q -B -ntp dependency:copy \
  -Dartifact=org.junit.platform:junit-platform-console-standalone:${junit_console_version} \
  -DoutputDirectory=.device
du -sh .device
cat <<CMD
On the device (carry [".device"]), one command:
  tar -xJf .device/jre.tar.xz -C /tmp && J="/tmp/jre/bin/java --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow" &&
  \$J -jar .device/gpu-agent.jar gpus &&
  \$J -jar .device/junit-platform-console-standalone-${junit_console_version}.jar -cp .device/gpu-agent.jar:.device/test-classes \\
     --include-tag gpu --select-class dev.gpuagent.ops.CudaParityTest --select-class dev.gpuagent.gpu.CudaBackendTest \\
     --reports-dir \$OUT/junit ;
  \$J -jar .device/gpu-agent.jar bench kernels --json \$OUT/kernels.json ; python3 bench/torch_gpu_ops.py --json \$OUT/torch_gpu.json
CMD
