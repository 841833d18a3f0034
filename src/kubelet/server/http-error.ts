// A refusal the kubelet server writes as plain text with its status code, as upstream's
// go-restful handlers write their errors (kubectl shows the text).
export class HttpError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}
