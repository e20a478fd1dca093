export { loadDigit, downsample } from './mnist.js';
export { DEFAULT_SEED, accuracy, loadDataset, minibatches, type Dataset, type DatasetOptions } from './dataset.js';
export { seededUniform, shuffle } from './seeded.js';
export {
  applyTransform, classOrder, fitTransform, foldLabels, prepareTable, type FeatureTransform, type PreparedData, type PrepareOptions, type Table,
} from './prepare.js';
export {
  foldedBatches, heldOutAccuracy, minibatchShape, modelClasses, planModel, trainModel,
  type CurvePoint, type ModelPlan, type ModelPlanRequest, type ModelReport, type ModelRun, type TrainModelOptions,
} from './fit.js';
export { MODEL_FORMAT, MODEL_VERSION, Model, classOfScores, probabilitiesOfScores, type ModelFields, type ModelJson, type TrainingMetadata } from './model.js';
export { initialState, momentum, surrogate, trainPlain, trainStep, type ModelState, type TrainingOptions, type UpdateRule } from './plain.js';
export { EncryptingSource, ciphertextBytes, inputShape, plainInput, plainInputs, type InputSource, type InputValues } from './inputs.js';
export { stepCubic, type RoundConfig } from './round.js';
export { BASELINE_DEPTH_PER_MINIBATCH, baselineRound, type BaselineState } from './baseline.js';
export { freshStart, freshStartNeeds, freshStartULevel, lowDepthRound, startEncryptor, type LowDepthStart, type StartEncryptor } from './lowdepth.js';
export { PackingLabels, checkLabels, labelTerms, plainLabels, termsMatrix, termsVector, trainPlainShared, type BatchLabels, type LabelSource, type PackedVector } from './shared.js';
export { trainEncryptedShared, type SharedRoundReport, type SharedTrainingOptions, type SharedTrainingResult } from './train-shared.js';
export {
  TRAINING_DEFAULTS, localClient, planTraining, roundDepth, roundRotations, roundSizes, trainEncrypted,
  type CircuitName, type ProgressEvent, type RoundInputs, type RoundLabels, type RoundReport, type SharedTrainingClient, type TrainingClient, type TrainingOptions as EncryptedTrainingOptions, type TrainingPlan, type TrainingPlanRequest, type TrainingResult,
} from './train.js';
export { planTrainingBySimulation, trainTracked, valueBits, type RefreshModel, type SimulatedPlan, type SimulatorFactory, type Trial } from './plan.js';
export { analyzeRound, roundCircuit, type RoundCircuitOptions } from './circuit.js';
export {
  LoadedSource, encryptStart, freeStart, loadRoundReply, openRoundRequest, planFingerprint, roundConfigOf, roundInputLevels, roundOutputMeta, roundSpan, runRound, saveRoundReply, saveRoundRequest,
  type EncryptedStart, type OpenedRoundRequest, type OutputMeta, type RoundOutput, type RoundSettings,
} from './protocol.js';
export {
  decryptScores, encryptRows, freeRows, freeScores, inferenceUnit, predictEncrypted, scoreEncrypted, scoreRotations,
  type EncryptedPrediction, type EncryptedRows, type EncryptedScores,
} from './inference.js';
export {
  planModelByTime, predictTraining, unitHeights, type KeyPlacement, type PlanCandidate, type PrecisionCheck, type PredictedSeconds, type PredictTrainingOptions, type TimedPlan, type TimedPlanRequest, type TrainingPrediction,
} from './plan-time.js';
