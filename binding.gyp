{
  "targets": [
    {
      "target_name": "skiff",
      "sources": [
        "native/addon.cc",
        "native/netlink.cc",
        "native/ops.cc",
        "native/netns.cc",
        "native/mount.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    },
    {
      "target_name": "cni-shim",
      "type": "executable",
      "sources": ["native/cni-shim.c"],
      "defines": ["SKIFF_NODE=\"<!(node -p process.execPath)\""],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "skiff-pause",
      "type": "executable",
      "sources": ["native/pause.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "ldflags": ["-static"]
    }
  ]
}
