// The CertificateSigningRequest plugins (upstream plugin/pkg/admission/certificates), all
// validating, 403 in upstream's words:
//   CertificateApproval            deciding a CSR (/approval) takes the `approve` verb,
//   CertificateSigning             issuing its certificate (/status, the certificate changes)
//                                  the `sign` verb, each on the `signers` resource named after
//                                  its signerName or `<domain>/*`;
//   CertificateSubjectRestriction  no request to the apiserver-client signer for a
//                                  certificate in system:masters (that group bypasses every
//                                  authorization).
// The first two judge the requester (not run for the server's own writes); the last the object.
import { csrOrganizations } from '../../api/validation/csr.js';
import type { Attributes, Decision, UserInfo } from '../auth/types.js';
import { section } from '../storage/fields.js';
import { requestersOnly } from './chain.js';
import { admissionForbidden } from './forbidden.js';
import type { AdmissionPlugin, RequestAttributes } from './types.js';

const GROUP = 'certificates.k8s.io';
const API_SERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';

type Authorize = (user: UserInfo, a: Attributes) => Promise<Decision>;

const isCsr = (a: { group: string; resource: string }) => a.group === GROUP && a.resource === 'certificatesigningrequests';

async function mayOnSigner(authorize: Authorize, a: RequestAttributes, verb: 'approve' | 'sign'): Promise<void> {
  const signer = String(section(a.object?.spec).signerName ?? '');
  const may = async (name: string) => (await authorize(a.user, { user: a.user, verb, apiGroup: GROUP, resource: 'signers', name, resourceRequest: true })).allowed;
  if (await may(signer) || await may(`${signer.split('/')[0]}/*`)) return;
  throw admissionForbidden(a, `user not permitted to ${verb} requests with signerName "${signer}"`);
}

export function certificateApproval(authorize: Authorize): AdmissionPlugin {
  return requestersOnly({
    name: 'CertificateApproval',
    async validate(a) {
      if (a.operation === 'UPDATE' && isCsr(a) && a.subresource === 'approval') await mayOnSigner(authorize, a, 'approve');
    },
  });
}

export function certificateSigning(authorize: Authorize): AdmissionPlugin {
  return requestersOnly({
    name: 'CertificateSigning',
    async validate(a) {
      if (a.operation !== 'UPDATE' || !isCsr(a) || a.subresource !== 'status') return;
      if ((section(a.object?.status).certificate ?? '') !== (section(a.oldObject?.status).certificate ?? '')) await mayOnSigner(authorize, a, 'sign');
    },
  });
}

export function certificateSubjectRestriction(): AdmissionPlugin {
  return {
    name: 'CertificateSubjectRestriction',
    validate(a) {
      if (a.operation !== 'CREATE' || !isCsr(a) || a.subresource) return;
      const spec = section(a.object?.spec);
      if (spec.signerName !== API_SERVER_CLIENT || typeof spec.request !== 'string') return;
      if (csrOrganizations(Buffer.from(spec.request, 'base64')).includes('system:masters')) {
        throw admissionForbidden(a, `use of ${API_SERVER_CLIENT} signer with system:masters group is not allowed`);
      }
    },
  };
}
