// Original file: src/cri/proto/api.proto


export interface RemoveContainerResponse {
}

export interface RemoveContainerResponse__Output {
}
