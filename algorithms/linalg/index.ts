export {
  encodingUnit, unitFor, type EncodingUnit, type Encrypted, type EncryptedColVector, type EncryptedMatrix, type EncryptedRowVector,
} from './layout.js';
export { decryptColVector, decryptMatrix, decryptRowVector, encryptColVector, encryptMatrix, encryptRowVector } from './encrypt.js';
export {
  add, freeAll, hadamard, hadamardCols, hadamardRows, matrixTimesCol, negate, rowTimesMatrix, scale, sub, sumCols, sumColsRotations,
  sumRows, sumRowsRotations,
} from './ops.js';
