// Authentication (who is asking) and RBAC authorization (may they): what the apiserver's
// request pipeline calls between decoding the request and handling it.
export * from './types.js';
export { authenticator, bearerToken, unauthorized, type Authenticator } from './authenticator.js';
export {
  issueServiceAccountToken,
  serviceAccountUsername,
  parseServiceAccountUsername,
  type ServiceAccountRef,
  type BoundObject,
  type IssueOptions,
} from './serviceaccount-token.js';
export { parseTokenCsv } from './token-file.js';
export { rbacAuthorizer, ruleAllows, subjectMatches, type RbacAuthorizer, type RbacSource, type PolicyRule, type Subject } from './rbac.js';
export { forbidden, forbiddenMessage } from './forbidden.js';
export { bootstrapRbac } from './bootstrap.js';
