// Command fake-kubelet serves the one kubelet endpoint the integration tests need, pod port-forwarding, with
// the kubelet's own streaming code (k8s.io/cri-streaming). The test cluster has no real nodes: a test registers
// a Node whose address and kubelet port point here, and binds pods to it. The API server then proxies
// pods/portforward to this process exactly as it would to a kubelet, and each forwarded stream is connected to
// 127.0.0.1:<port>, because a test pod's container port is a process on this machine.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/portforward"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve HTTPS on")
	certFile := flag.String("tls-cert-file", "", "serving certificate")
	keyFile := flag.String("tls-private-key-file", "", "serving key")
	clientCAFile := flag.String("client-ca-file", "", "CA of the API server's client certificate (required, as on a kubelet)")
	flag.Parse()

	caPEM, err := os.ReadFile(*clientCAFile)
	if err != nil {
		log.Fatalf("fake-kubelet: reading --client-ca-file: %v", err)
	}
	clientCAs := x509.NewCertPool()
	if !clientCAs.AppendCertsFromPEM(caPEM) {
		log.Fatalf("fake-kubelet: no certificate in %s", *clientCAFile)
	}
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("fake-kubelet: %v", err)
	}
	mux := http.NewServeMux()
	// Paths as the kubelet serves them: /portForward/{namespace}/{pod}[/{uid}].
	mux.HandleFunc("/portForward/", servePortForward)
	server := &http.Server{
		Handler: mux,
		// Only the API server, with its --kubelet-client-certificate, may call, as on a kubelet with x509 auth.
		TLSConfig: &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs},
	}
	// The test reads the port from this line.
	fmt.Printf("listening on %d\n", listener.Addr().(*net.TCPAddr).Port)
	log.Fatal(server.ServeTLS(listener, *certFile, *keyFile))
}

func servePortForward(w http.ResponseWriter, req *http.Request) {
	parts := strings.Split(strings.TrimPrefix(req.URL.Path, "/portForward/"), "/")
	if len(parts) < 2 || len(parts) > 3 {
		http.Error(w, "expected /portForward/{namespace}/{pod}[/{uid}]", http.StatusNotFound)
		return
	}
	uid := ""
	if len(parts) == 3 {
		uid = parts[2]
	}
	options, err := portforward.NewV4Options(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	log.Printf("fake-kubelet: port-forward to %s/%s", parts[0], parts[1])
	portforward.ServePortForward(w, req, localPorts{}, parts[1], uid, options,
		4*time.Hour /* the kubelet's default streaming-connection-idle-timeout */, 30*time.Second, portforward.SupportedProtocols)
}

// localPorts connects a forwarded stream to the process listening on the pod's port on this machine.
type localPorts struct{}

func (localPorts) PortForward(ctx context.Context, pod string, _ string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return fmt.Errorf("pod %s: nothing listens on port %d: %w", pod, port, err)
	}
	defer conn.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(conn, stream); done <- struct{}{} }()
	go func() { _, _ = io.Copy(stream, conn); done <- struct{}{} }()
	<-done
	return nil
}
