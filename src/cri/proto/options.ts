// How messages look in JavaScript, shared by the loader (load.ts) and the type generator
// (gen.ts) so the generated types describe exactly what the loader produces.
//   keepCase false  fields are camelCase (podSandboxId), as in upstream's JSON names.
//   longs String    int64/uint64 arrive as decimal strings: CRI timestamps are nanoseconds
//                   (~1.7e18 > 2^53), which a Number would round. Senders may pass a
//                   number, a decimal string or a Long.
//   enums String    enums arrive as their names ('SANDBOX_READY'): readable in logs and
//                   typed as a union of literals; the wire still carries numbers, and
//                   senders may pass either. An enum number this proto does not know is
//                   delivered as the number.
//   defaults true   absent scalars, lists and maps are filled ('' / 0 / false / [] / {});
//                   absent messages are null.
//   bytes           stay Buffers (ExecSync output).
export const loaderOptions = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
} as const;

/** The same choices as proto-loader-gen-types flags. */
export const genFlags = ['--longs=String', '--enums=String', '--defaults', '--oneofs'];
