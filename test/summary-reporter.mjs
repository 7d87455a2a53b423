// Ends a test run with one plain line, `N passed, N failed[, N skipped]`, which CI runners read
// (vitest's own summary is coloured and split over lines). A test file that failed to load, and
// an error thrown outside any test, count as failures, so the line never hides a broken run.
export default class SummaryReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of testModules) {
      // A file whose import or hooks threw has errors of its own, with or without tests.
      if (mod.errors().length > 0) failed++;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
