// JSON value helpers shared by the patch flavours: the API's own, re-exported so patch code
// imports from one neighbour.
export { clone, isObject, jsonEqual, type Json, type JsonObject } from '../../api/types.js';
