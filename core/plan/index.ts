export { planFromReport, type CircuitReport, type ParamsPlan, type PlanRequest, type PrecisionProbe } from './plan.js';
