package dev.gpuagent.engine;

/**
 * One node class's implementation on one backend. Returns one value per declared output: a
 * {@link Tensor} for IMAGE and MASK, {@code Long}, {@code Double}, {@code String} or {@code Boolean}
 * for the rest.
 */
@FunctionalInterface
public interface NodeImpl {
  Object[] execute(NodeInvocation call) throws Exception;
}
