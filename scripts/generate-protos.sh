#!/bin/sh
# Regenerates Sources/EtcdClient/Proto/*.pb.swift from the .proto files beside them.
#
# Needs Debian's protoc (protobuf-compiler) and protoc-gen-swift from
# apple/swift-protobuf 1.39.0 (the version Package.swift depends on). Point
# PROTOC_GEN_SWIFT at a built plugin, or let this script build one in /tmp
# from the local mirror (about ten minutes on a 2-core machine):
#   git clone --branch 1.39.0 https://github.com/apple/swift-protobuf /tmp/swift-protobuf-1.39
#   (cd /tmp/swift-protobuf-1.39 && swift build -c release --product protoc-gen-swift)
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
proto_dir="$root/Sources/EtcdClient/Proto"
plugin=${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf-1.39/.build/release/protoc-gen-swift}

if [ ! -x "$plugin" ]; then
    src=/tmp/swift-protobuf-1.39
    [ -d "$src" ] || git clone --quiet --branch 1.39.0 https://github.com/apple/swift-protobuf "$src"
    (cd "$src" && swift build -c release --product protoc-gen-swift)
    plugin="$src/.build/release/protoc-gen-swift"
fi

cd "$proto_dir"
protoc \
    --plugin=protoc-gen-swift="$plugin" \
    --swift_out=. \
    --swift_opt=Visibility=Internal \
    --swift_opt=FileNaming=DropPath \
    -I . \
    kv.proto rpc.proto gateway.proto
echo "generated: $(ls "$proto_dir"/*.pb.swift | xargs -n1 basename | tr '\n' ' ')"
