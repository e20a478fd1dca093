/**
 * The cost model: per-op prices by ring degree and level, fitted from a calibration
 * (`hekit calibrate`, or the shipped `DEFAULT_CALIBRATION`), and `predictTime`, which turns a
 * circuit's dry run (`analyze`) into predicted seconds with it.
 */
export { DEFAULT_CALIBRATION } from './defaults.js';
export { evaluatePolynomial, fitPolynomial, worstRelativeResidual, type Polynomial } from './fit.js';
export {
  CALIBRATION_VERSION, COST_OPS, checkCalibration, createCostModel, evaluationKeyBytes, sameMachine,
  type Calibration, type CostFit, type CostModel, type CostOp, type CostSource, type KeySample, type MachineDescription, type OpSample, type RingCalibration,
} from './model.js';
export { predictTime, type PredictedTime, type PredictTimeOptions } from './predict.js';
