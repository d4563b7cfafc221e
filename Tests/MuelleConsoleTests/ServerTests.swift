import Testing

/// The suites that run a real `muelle run` against servers and a browser: one at a time, since headless
/// Chromium takes both cores of a small machine, and an alert receiver starved meanwhile misses its window.
@Suite(.serialized) enum ServerTests {}
