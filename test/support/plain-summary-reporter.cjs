// Prints the run's totals as one plain line ("N passed, N failed, N skipped"), the form CI
// systems read, after jest's own summary.
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    process.stdout.write(`\n${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped\n`);
  }
}
module.exports = PlainSummaryReporter;
