// TLS for tests/support/mysql_wire_server: a self-signed certificate for 127.0.0.1 made at
// start-up (no files in the repository to expire), and the server side of the handshake a
// client starts after its SSLRequest packet.
#pragma once

#include <string>

namespace cdc::test::wire {

class TlsServer {
 public:
  TlsServer();  // a fresh RSA key and a certificate for CN/SAN 127.0.0.1, valid a day
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  // The certificate (PEM), for a client's CA file: it signs itself.
  std::string certificate_pem() const;
  // The server side of a TLS handshake on `fd`: an SSL* (opaque), or nullptr on failure.
  void* accept(int fd) const;

  static long read(void* ssl, char* out, size_t size);
  static long write(void* ssl, const char* data, size_t size);
  static void close(void* ssl);

 private:
  void* ctx_;   // SSL_CTX
  void* cert_;  // X509
};

}  // namespace cdc::test::wire
