// Configuration sync (CON-8), pure part: the configuration type's questions and the plans and answers
// the delivery effects (console/delivery/config-sync*.ts) carry out.
export * from './plan.js';
export * from './questions.js';
