// API time formats: metav1.Time is RFC 3339 in whole seconds; metav1.MicroTime (Lease renewTime)
// keeps microseconds.

export const apiTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export const microTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
