package io.fleet.runtime;

/** Whether one server Fleet depends on answers, where it is, and whether Fleet runs it in its own JVM. */
public record ComponentHealth(String name, boolean up, String endpoint, boolean embedded, String detail) {}
