package main

// One request's exchange with an endpoint picker over Envoy's ext_proc v3 gRPC protocol, the way Envoy runs it
// for an InferencePool in FULL_DUPLEX_STREAMED mode: request headers, then the whole body with end_of_stream;
// the picker answers with a header mutation naming the chosen endpoint (x-gateway-destination-endpoint, also in
// the envoy.lb dynamic metadata) and the body to forward, in streamed chunks. The response phase is not sent:
// Envoy sends it too, but the picker only reads it for its own metrics.

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/metadata"
)

// Picker is one pool's endpoint picker, reached over gRPC.
type Picker struct {
	addr   string
	client extprocv3.ExternalProcessorClient
	conn   *grpc.ClientConn
}

// dialPicker connects to addr. The picker serves TLS with a self-signed certificate (--secure-serving, its
// default); the platform's mesh talks to it with insecureSkipVerify (the chart's Istio DestinationRule), and so
// does this client. plaintext is for a picker started with --secure-serving=false.
func dialPicker(addr string, plaintext bool) (*Picker, error) {
	creds := credentials.NewTLS(&tls.Config{InsecureSkipVerify: true}) //nolint:gosec // as the chart's DestinationRule
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	if plaintext {
		opts = []grpc.DialOption{grpc.WithTransportCredentials(insecureCreds())}
	}
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		return nil, fmt.Errorf("picker %s: %w", addr, err)
	}
	return &Picker{addr: addr, client: extprocv3.NewExternalProcessorClient(conn), conn: conn}, nil
}

func (p *Picker) Close() error { return p.conn.Close() }

// Pick is what the picker decided for one request.
type Pick struct {
	// Endpoint is host:port of the chosen model server; empty when the picker answered immediately.
	Endpoint string `json:"endpoint"`
	// Headers are the header mutations to apply before forwarding (pseudo-headers left out).
	Headers map[string]string `json:"headers"`
	// Body is the request body to forward (the picker may rewrite it, e.g. the model name).
	Body []byte `json:"-"`
	// Status and Message are set when the picker refused the request itself (ImmediateResponse).
	Status  int    `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
}

// Pick runs the request phase of one ext_proc stream for a request with these headers and body.
func (p *Picker) Pick(ctx context.Context, method, path string, header http.Header, body []byte) (*Pick, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream: the picker sees the request as done
	stream, err := p.client.Process(ctx)
	if err != nil {
		return nil, fmt.Errorf("picker %s: opening the ext_proc stream: %w", p.addr, err)
	}
	hdrs := []*corev3.HeaderValue{
		{Key: ":method", RawValue: []byte(method)},
		{Key: ":path", RawValue: []byte(path)},
		{Key: ":scheme", RawValue: []byte("http")},
	}
	for k, vs := range header {
		for _, v := range vs {
			hdrs = append(hdrs, &corev3.HeaderValue{Key: strings.ToLower(k), RawValue: []byte(v)})
		}
	}
	// A request without a body (GET /v1/models) ends with its headers, as Envoy sends it; the picker then answers
	// the headers alone (v1.0.1: any ready pod of the pool).
	headersOnly := len(body) == 0
	msgs := []*extprocv3.ProcessingRequest{
		{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{
			Headers: &corev3.HeaderMap{Headers: hdrs}, EndOfStream: headersOnly,
		}}},
	}
	if !headersOnly {
		msgs = append(msgs, &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
			RequestBody: &extprocv3.HttpBody{Body: body, EndOfStream: true},
		}})
	}
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			return nil, fmt.Errorf("picker %s: sending: %w", p.addr, err)
		}
	}
	pick := &Pick{Headers: map[string]string{}}
	var newBody []byte
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("picker %s closed the stream before answering the body", p.addr)
		}
		if err != nil {
			return nil, fmt.Errorf("picker %s: %w", p.addr, err)
		}
		switch r := resp.Response.(type) {
		case *extprocv3.ProcessingResponse_ImmediateResponse:
			pick.Status = int(r.ImmediateResponse.GetStatus().GetCode())
			pick.Message = string(r.ImmediateResponse.GetBody())
			return pick, nil
		case *extprocv3.ProcessingResponse_RequestHeaders:
			for _, h := range r.RequestHeaders.GetResponse().GetHeaderMutation().GetSetHeaders() {
				key := strings.ToLower(h.GetHeader().GetKey())
				val := string(h.GetHeader().GetRawValue())
				if val == "" {
					val = h.GetHeader().GetValue()
				}
				if key == metadata.DestinationEndpointKey {
					pick.Endpoint = val
				} else if !strings.HasPrefix(key, ":") {
					pick.Headers[key] = val
				}
			}
			if pick.Endpoint == "" {
				pick.Endpoint = metadataEndpoint(resp)
			}
			if headersOnly {
				if pick.Endpoint == "" {
					return nil, fmt.Errorf("picker %s answered without an endpoint", p.addr)
				}
				return pick, nil
			}
		case *extprocv3.ProcessingResponse_RequestBody:
			streamed := r.RequestBody.GetResponse().GetBodyMutation().GetStreamedResponse()
			newBody = append(newBody, streamed.GetBody()...)
			if streamed.GetEndOfStream() {
				if pick.Endpoint == "" {
					return nil, fmt.Errorf("picker %s answered without an endpoint", p.addr)
				}
				pick.Body = newBody
				return pick, nil
			}
		}
	}
}

// metadataEndpoint reads the endpoint from the envoy.lb dynamic metadata (what Envoy's original-destination
// cluster uses when the header is not configured).
func metadataEndpoint(resp *extprocv3.ProcessingResponse) string {
	lb := resp.GetDynamicMetadata().GetFields()[metadata.DestinationEndpointNamespace].GetStructValue()
	return lb.GetFields()[metadata.DestinationEndpointKey].GetStringValue()
}
