#include "net/upstream_endpoint.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace sluice::net {
namespace {

// A self-signed CA certificate (EC P-256, valid until 2126), only ever parsed here.
constexpr const char* kCaPem = R"(-----BEGIN CERTIFICATE-----
MIIBkzCCATmgAwIBAgIUT8UVRmD6XfaHt8poKhs9uTgSG1EwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTU2x1aWNlIHVuaXQgdGVzdCBDQTAgFw0yNjExMzAwOTAwMjJa
GA8yMTI2MTEwNjA5MDAyMlowHjEcMBoGA1UEAwwTU2x1aWNlIHVuaXQgdGVzdCBD
QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJrF5/yOsvTgFqyr7wXaPMIK5Gd0
fjebYBwuorQ0Nkt9Q3Jx/xJPmdvSSgANqGQOolb7GNe1I6dmr+yOf6wdeWqjUzBR
MB0GA1UdDgQWBBQclcsT7SsCTiDimimW7UeE7MPPNjAfBgNVHSMEGDAWgBQclcsT
7SsCTiDimimW7UeE7MPPNjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gA
MEUCIQD2Y2HWpLqzcCzOJn9phCRi4ryr7qGl1ObxkUl3VUcsLQIgDX/PhGE1CqRe
4rwld3yscb4GytMpT+qFSV3ZB7AQHCQ=
-----END CERTIFICATE-----
)";

// A file under the test's temporary directory, removed when the test ends.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content) : path_(testing::TempDir() + name) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ParseBaseUrlTest, HttpsDefaultsToPort443AndKeepsThePathWithoutTrailingSlash) {
  auto endpoint = parse_base_url("https://dashscope.example.com/compatible-mode/v1/", "ca.pem");
  ASSERT_TRUE(endpoint);
  EXPECT_TRUE(endpoint->tls);
  EXPECT_EQ(endpoint->host, "dashscope.example.com");
  EXPECT_EQ(endpoint->port, 443);
  EXPECT_EQ(endpoint->base_path, "/compatible-mode/v1");
  EXPECT_EQ(endpoint->pool_key, "https://dashscope.example.com:443|ca.pem");
}

TEST(ParseBaseUrlTest, HttpWithExplicitPort) {
  auto endpoint = parse_base_url("http://127.0.0.1:19000/v1");
  ASSERT_TRUE(endpoint);
  EXPECT_FALSE(endpoint->tls);
  EXPECT_EQ(endpoint->port, 19000);
  EXPECT_EQ(endpoint->pool_key, "http://127.0.0.1:19000|");
}

TEST(ParseBaseUrlTest, RejectsOtherSchemesAndMissingHosts) {
  EXPECT_FALSE(parse_base_url("ftp://example.com/v1"));
  EXPECT_FALSE(parse_base_url("https:///v1"));
  EXPECT_FALSE(parse_base_url("not a url"));
}

TEST(CaFileProblemTest, AcceptsAPemCertificate) {
  TempFile ca("sluice_net_test_ca.pem", kCaPem);
  EXPECT_EQ(ca_file_problem(ca.path()), "");
}

TEST(CaFileProblemTest, RejectsAFileWithoutCertificate) {
  TempFile text("sluice_net_test_text.pem", "just some text\n");
  EXPECT_TRUE(ca_file_problem(text.path()).starts_with("not a PEM certificate file ("));
}

TEST(CaFileProblemTest, RejectsADamagedCertificateBlock) {
  TempFile damaged("sluice_net_test_damaged.pem",
                   "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                   "-----END CERTIFICATE-----\n");
  EXPECT_TRUE(ca_file_problem(damaged.path()).starts_with("not a PEM certificate file ("));
}

TEST(CaFileProblemTest, RejectsAMissingFile) {
  EXPECT_NE(ca_file_problem(testing::TempDir() + "sluice_net_test_missing.pem"), "");
}

}  // namespace
}  // namespace sluice::net
