// Original file: src/cri/proto/api.proto


export interface RemoveImageResponse {
}

export interface RemoveImageResponse__Output {
}
