// Flags `obj[key]` where obj is a plain string-keyed object (Record<string, T>, an index
// signature) and key is any string rather than a known literal. Such keys come from outside
// (bodies, labels, env, headers), and on a plain object `constructor`, `toString` and
// `__proto__` are not data: a read returns Object's members, a write can replace the prototype.
// Use a Map, ownValue/setOwn from src/own-keys.ts, or a null-prototype `Dict` from dict().
import ts from 'typescript';
import { ESLintUtils } from '@typescript-eslint/utils';

const NULL_PROTO_BRAND = '__nullPrototype';

function isWideString(checker, type) {
  if (type.isUnion()) return type.types.some((t) => isWideString(checker, t));
  if (type.flags & ts.TypeFlags.String) return true;
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
  // Template literal types (`${string}.x`) are as wide as string for this purpose.
  return Boolean(type.flags & ts.TypeFlags.TemplateLiteral);
}

function hasStringIndex(checker, type) {
  if (type.isUnion()) return type.types.some((t) => hasStringIndex(checker, t));
  if (checker.isArrayType?.(type) || checker.isTupleType?.(type)) return false;
  if (type.getProperty(NULL_PROTO_BRAND)) return false;
  return checker.getIndexInfoOfType(type, ts.IndexKind.String) !== undefined;
}

export default ESLintUtils.RuleCreator.withoutDocs({
  meta: {
    type: 'problem',
    messages: {
      index: 'Indexing a plain object with a string from outside: `constructor`/`__proto__` are not data. Use a Map, ownValue/setOwn (src/own-keys.ts) or dict().',
    },
    schema: [],
  },
  defaultOptions: [],
  create(context) {
    const services = ESLintUtils.getParserServices(context);
    const checker = services.program.getTypeChecker();
    return {
      MemberExpression(node) {
        if (!node.computed || node.property.type === 'Literal') return;
        const keyType = services.getTypeAtLocation(node.property);
        if (!isWideString(checker, keyType)) return;
        const objType = checker.getApparentType(services.getTypeAtLocation(node.object));
        if (hasStringIndex(checker, objType)) context.report({ node, messageId: 'index' });
      },
    };
  },
});
