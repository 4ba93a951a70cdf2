// Billing reconciliation (issue 17), pure part: settings schemas, what a seat is, and the
// reconciliation's state table. The PSA reads and writes are in console/delivery/billing-*.ts.
export * from './reconcile.js';
export * from './settings.js';
