package io.fleet.api;

/** The body of every error answer: {@code {"error": "...", "detail": "..."}}. */
public record ApiError(String error, String detail) {}
