// Original file: src/cri/proto/api.proto


export interface StopContainerResponse {
}

export interface StopContainerResponse__Output {
}
