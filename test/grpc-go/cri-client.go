// A grpc-go CRI client that dials a unix socket by its path, as crictl, critest and
// kubelets before 1.30 do: grpc-go then sends the path as the HTTP/2 :authority.
// Built by test/integration/grpc-go-cri.test.ts from Debian's Go packages in GOPATH mode
// (no CRI Go package is in Debian, so messages are encoded by hand with protowire).
//
//	cri-client -socket S version              Version; prints its fields
//	cri-client -socket S -bytes N big         Version whose request carries N bytes; prints the
//	                                          response's version length
//	cri-client -socket S -n K events          GetContainerEvents; prints K events, then cancels
//
// Each result is one line "key=value ..." for the test to parse; failures exit 1 with the
// gRPC status on stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

// rawCodec passes already-encoded protobuf bytes through.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

const maxMsg = 16 << 20

func main() {
	socket := flag.String("socket", "", "CRI socket path")
	size := flag.Int("bytes", 6<<20, "request size for big")
	n := flag.Int("n", 1, "events to receive before cancelling")
	timeout := flag.Duration("timeout", 60*time.Second, "overall deadline")
	flag.Parse()
	if *socket == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: cri-client -socket PATH version|big|events")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	dialer := func(ctx context.Context, addr string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", addr)
	}
	// The target is the bare path: grpc-go's passthrough resolver makes it the authority.
	conn, err := grpc.DialContext(ctx, *socket, grpc.WithInsecure(), grpc.WithBlock(), grpc.WithContextDialer(dialer),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg), grpc.MaxCallSendMsgSize(maxMsg), grpc.ForceCodec(rawCodec{})))
	if err != nil {
		fail("dial", err)
	}
	defer conn.Close()
	switch flag.Arg(0) {
	case "version":
		res := version(ctx, conn, "0.1.0")
		fmt.Printf("version=%s runtimeName=%s runtimeVersion=%s runtimeApiVersion=%s\n", res[1], res[2], res[3], res[4])
	case "big":
		res := version(ctx, conn, strings.Repeat("v", *size))
		fmt.Printf("sent=%d runtimeName=%s versionLength=%d\n", *size, res[2], len(res[1]))
	case "events":
		events(ctx, conn, *n)
	default:
		fmt.Fprintln(os.Stderr, "unknown command", flag.Arg(0))
		os.Exit(2)
	}
}

// version calls Version and returns the response's string fields by number.
func version(ctx context.Context, conn *grpc.ClientConn, v string) map[protowire.Number]string {
	req := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), v)
	var res []byte
	if err := conn.Invoke(ctx, "/runtime.v1.RuntimeService/Version", &req, &res); err != nil {
		fail("Version", err)
	}
	return stringFields(res)
}

func events(ctx context.Context, conn *grpc.ClientConn, n int) {
	sctx, cancel := context.WithCancel(ctx)
	stream, err := conn.NewStream(sctx, &grpc.StreamDesc{ServerStreams: true}, "/runtime.v1.RuntimeService/GetContainerEvents")
	if err != nil {
		fail("GetContainerEvents", err)
	}
	req := []byte{}
	if err := stream.SendMsg(&req); err != nil {
		fail("GetContainerEvents send", err)
	}
	if err := stream.CloseSend(); err != nil {
		fail("GetContainerEvents close send", err)
	}
	// grpc-js sends the stream's headers with its first message, so Header() would wait for
	// an event. A unary call on the same connection after the stream's request instead: by
	// its answer the server has taken the stream, so the caller may now cause events.
	version(ctx, conn, "0.1.0")
	fmt.Println("stream=open")
	for i := 0; i < n; i++ {
		var ev []byte
		if err := stream.RecvMsg(&ev); err != nil {
			fail("GetContainerEvents recv", err)
		}
		f := stringFields(ev)
		fmt.Printf("event containerId=%s type=%d\n", f[1], varintField(ev, 2))
	}
	cancel()
	var ev []byte
	err = stream.RecvMsg(&ev)
	fmt.Printf("stream=cancelled code=%s\n", status.Code(err))
	if status.Code(err) != codes.Canceled {
		os.Exit(1)
	}
}

func stringFields(b []byte) map[protowire.Number]string {
	out := map[protowire.Number]string{}
	walk(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) {
		if typ == protowire.BytesType {
			out[num] = string(v)
		}
	})
	return out
}

func varintField(b []byte, want protowire.Number) uint64 {
	var got uint64
	walk(b, func(num protowire.Number, typ protowire.Type, _ []byte, x uint64) {
		if num == want && typ == protowire.VarintType {
			got = x
		}
	})
	return got
}

func walk(b []byte, fn func(protowire.Number, protowire.Type, []byte, uint64)) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			fail("decode", protowire.ParseError(n))
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				fail("decode", protowire.ParseError(m))
			}
			fn(num, typ, v, 0)
			b = b[m:]
		case protowire.VarintType:
			x, m := protowire.ConsumeVarint(b)
			if m < 0 {
				fail("decode", protowire.ParseError(m))
			}
			fn(num, typ, nil, x)
			b = b[m:]
		default:
			m := protowire.ConsumeFieldValue(num, typ, b)
			if m < 0 {
				fail("decode", protowire.ParseError(m))
			}
			b = b[m:]
		}
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}
