// The smallest serving container: answers every HTTP request on $PORT (8080 unless set) with 200 "ok" and closes
// the connection. Tests whose pods only have to become ready (Knative revisions, whose queue-proxy probes the user
// port, and samples' live Deployments) run it instead of samples/app, whose Node start costs a core for about a
// second on this 2-core machine.
// Built with `gcc -static` like the pause image. As a container's PID 1 it gets no default signal action, so it
// exits on SIGTERM itself.
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static void stop(int signal_number) {
  (void)signal_number;
  _exit(0);
}

int main(void) {
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  signal(SIGPIPE, SIG_IGN);
  const char *port = getenv("PORT");
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  int on = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  address.sin_port = htons((unsigned short)(port ? atoi(port) : 8080));
  if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 ||
      listen(listener, 128) != 0)
    return 1;
  static const char response[] =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  char request[4096];
  for (;;) {
    int connection = accept(listener, NULL, NULL);
    if (connection < 0) continue;
    // A client that connects and sends nothing holds the one loop for a second at most.
    struct timeval timeout = {1, 0};
    setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    // One read is enough for a probe's or a test's request; a bare TCP probe sends nothing and just closes.
    if (read(connection, request, sizeof request) > 0) write(connection, response, sizeof response - 1);
    close(connection);
  }
}
