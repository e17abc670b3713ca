package main

// The proxy: body-based routing (model from the JSON body, as the body-based-routing ext_proc writes it into
// X-Gateway-Model-Name for the HTTPRoute to match), one endpoint picker per model's pool, and a streaming
// reverse proxy to the endpoint the picker chose. Errors are OpenAI-shaped, as the servers' own.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

func insecureCreds() credentials.TransportCredentials { return insecure.NewCredentials() }

// router maps a model name to its pool's picker, or to a fixed backend (an HTTPRoute rule to a plain Service,
// for models the picker cannot route: v1.0.1 refuses bodies without `messages` or `prompt`, so /v1/embeddings);
// first takes requests that name no model (GET /v1/models).
type router struct {
	pickers  map[string]*Picker
	backends map[string]string
	first    string
	maxBody  int64
	client   *http.Client
}

type routeFlags []string

func (r *routeFlags) String() string     { return strings.Join(*r, ",") }
func (r *routeFlags) Set(v string) error { *r = append(*r, v); return nil }

func runServe(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:8080", "address to serve on")
	plaintext := fs.Bool("plaintext", false, "the pickers run with --secure-serving=false")
	maxBody := fs.Int64("max-body-bytes", 8<<20, "largest request body accepted (413 beyond)")
	var routes, backends routeFlags
	fs.Var(&routes, "route", "MODEL=PICKER_ADDR: the model's pool, picked by its endpoint picker (repeatable)")
	fs.Var(&backends, "backend", "MODEL=HOST:PORT: the model's fixed backend, no picker (repeatable)")
	_ = fs.Parse(args)
	if len(routes)+len(backends) == 0 {
		return fmt.Errorf("at least one --route MODEL=PICKER_ADDR or --backend MODEL=HOST:PORT is required")
	}
	rt := &router{pickers: map[string]*Picker{}, backends: map[string]string{}, maxBody: *maxBody, client: &http.Client{
		// No overall timeout: a streamed completion lasts as long as it lasts; the client's context bounds it.
		Transport: &http.Transport{ResponseHeaderTimeout: 120 * time.Second, MaxIdleConnsPerHost: 16},
	}}
	for _, r := range routes {
		model, addr, ok := strings.Cut(r, "=")
		if !ok || model == "" || addr == "" {
			return fmt.Errorf("--route %q: want MODEL=PICKER_ADDR", r)
		}
		p, err := dialPicker(addr, *plaintext)
		if err != nil {
			return err
		}
		defer p.Close()
		rt.pickers[model] = p
		if rt.first == "" {
			rt.first = model
		}
	}
	for _, b := range backends {
		model, addr, ok := strings.Cut(b, "=")
		if !ok || model == "" || addr == "" {
			return fmt.Errorf("--backend %q: want MODEL=HOST:PORT", b)
		}
		rt.backends[model] = addr
		if rt.first == "" {
			rt.first = model
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rt, ReadHeaderTimeout: 10 * time.Second}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	// The test reads this line to learn the port when --listen ends in :0.
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rt.maxBody))
	if err != nil {
		openAIError(w, http.StatusRequestEntityTooLarge, "invalid_request_error", "", "request body too large or unreadable")
		return
	}
	model := rt.first
	if len(body) > 0 {
		var req struct {
			Model *string `json:"model"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			openAIError(w, http.StatusBadRequest, "invalid_request_error", "", "request body is not valid JSON")
			return
		}
		if req.Model != nil {
			model = *req.Model
		}
	}
	header := r.Header.Clone()
	for _, h := range []string{"Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade"} {
		header.Del(h)
	}
	var pick *Pick
	if addr, ok := rt.backends[model]; ok {
		pick = &Pick{Endpoint: addr, Body: body}
	} else if picker, ok := rt.pickers[model]; ok {
		var err error
		if pick, err = picker.Pick(r.Context(), r.Method, r.URL.RequestURI(), header, body); err != nil {
			log.Printf("model %s: %v", model, err)
			openAIError(w, http.StatusBadGateway, "server_error", "", "the endpoint picker failed")
			return
		}
		if pick.Status != 0 {
			openAIError(w, pick.Status, "server_error", "", "endpoint picker: "+pick.Message)
			return
		}
	} else {
		openAIError(w, http.StatusNotFound, "invalid_request_error", "model_not_found",
			fmt.Sprintf("the model %q does not exist", model))
		return
	}
	var fwd io.Reader = http.NoBody // a GET carries none (the picker echoes an empty body)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		fwd = bytes.NewReader(pick.Body) // the picker may have rewritten it
	}
	up, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+pick.Endpoint+r.URL.RequestURI(), fwd)
	if err != nil {
		openAIError(w, http.StatusBadGateway, "server_error", "", "bad endpoint from the picker")
		return
	}
	up.Header = header
	for k, v := range pick.Headers {
		if strings.EqualFold(k, "content-length") || strings.EqualFold(k, "host") {
			continue // set from the forwarded body and the endpoint
		}
		up.Header.Set(k, v)
	}
	resp, err := rt.client.Do(up)
	if err != nil {
		log.Printf("model %s -> %s: %v", model, pick.Endpoint, err)
		openAIError(w, http.StatusBadGateway, "server_error", "", "the model server did not answer")
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	// Which server answered, for clients and tests (Envoy keeps this to its access log).
	w.Header().Set("X-Gateway-Destination-Endpoint", pick.Endpoint)
	w.WriteHeader(resp.StatusCode)
	copyFlushing(w, resp.Body)
	log.Printf("%s %s model=%s -> %s %d", r.Method, r.URL.Path, model, pick.Endpoint, resp.StatusCode)
}

// copyFlushing streams the upstream body, flushing after each read so server-sent events arrive as they are made.
func copyFlushing(w http.ResponseWriter, body io.Reader) {
	flusher, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		if err != nil {
			return
		}
	}
}

func openAIError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	e := map[string]any{"message": msg, "type": typ, "param": nil, "code": nil}
	if code != "" {
		e["code"] = code
		e["param"] = "model"
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}
