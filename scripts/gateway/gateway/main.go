// genai-gateway: the smallest gateway that does what the platform's Istio gateway does with the Gateway API
// Inference Extension, for tests on one machine: read `model` from the JSON body (body-based routing), choose that
// model's InferencePool, ask the pool's endpoint picker over ext_proc which server takes the request, proxy to it.
//
//	genai-gateway pick  --epp ADDR [--plaintext] [--method M] [--path P] [--body JSON]  one ext_proc exchange; prints the pick as JSON
//	genai-gateway serve --listen ADDR --route MODEL=ADDR... [--backend MODEL=HOST:PORT...]
//	                                           the proxy (the first model named also takes model-less requests)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "pick":
		err = runPick(os.Args[2:])
	case "serve":
		err = runServe(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genai-gateway:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: genai-gateway pick --epp ADDR --body JSON | serve --listen ADDR --route MODEL=ADDR... --backend MODEL=HOST:PORT...")
	os.Exit(2)
}

func runPick(args []string) error {
	fs := flag.NewFlagSet("pick", flag.ExitOnError)
	epp := fs.String("epp", "127.0.0.1:9002", "the endpoint picker's ext_proc address")
	plaintext := fs.Bool("plaintext", false, "the picker runs with --secure-serving=false")
	path := fs.String("path", "/v1/chat/completions", "the request path")
	method := fs.String("method", http.MethodPost, "the request method")
	body := fs.String("body", "", "the request body (JSON); none: the request ends with its headers")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	_ = fs.Parse(args)
	p, err := dialPicker(*epp, *plaintext)
	if err != nil {
		return err
	}
	defer p.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	h := http.Header{}
	if *body != "" {
		h.Set("Content-Type", "application/json")
	}
	pick, err := p.Pick(ctx, *method, *path, h, []byte(*body))
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(pick)
}
