// SigV4 against AWS's published test vector (get-vanilla of the Signature Version 4 test suite)
// and a Route 53 request with a session token (expected value from botocore's signer); the AWS
// credential chain from the environment and files.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "sigv4.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace route53;

TEST_CASE("sigv4: AWS's get-vanilla test vector", "[sigv4]") {
    AwsCredentials c{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", "test"};
    SignedRequest r{"GET", "example.amazonaws.com", "/", "", "", "20150830T123600Z"};
    CHECK(sigv4_authorization(r, c, "us-east-1", "service") ==
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
          "SignedHeaders=host;x-amz-date, "
          "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST_CASE("sigv4: a Route 53 query with a session token", "[sigv4]") {
    AwsCredentials c{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok", "test"};
    SignedRequest r{"GET",
                    "route53.amazonaws.com",
                    "/2013-04-01/hostedzone/Z1/rrset",
                    "maxitems=1&name=_acme-challenge.example.com&type=TXT",
                    "",
                    "20260101T000000Z"};
    CHECK(sigv4_authorization(r, c, "us-east-1", "route53") ==
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/route53/aws4_request, "
          "SignedHeaders=host;x-amz-date;x-amz-security-token, "
          "Signature=b0658c0f71f8eca25bff37d5e80cb31bed90c8e22f83967d42d8af89d9c4304b");
}

TEST_CASE("AWS credential chain: environment, credentials file, config file", "[sigv4]") {
    char dir[] = "/tmp/sigv4-test.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    const std::string creds = std::string(dir) + "/credentials",
                      config = std::string(dir) + "/config";
    std::ofstream(creds) << "[default]\naws_access_key_id = AKIADEFAULT\n"
                            "aws_secret_access_key = s1\n\n[work]\n"
                            "  AWS_ACCESS_KEY_ID=AKIAWORK\naws_secret_access_key = s2\n"
                            "aws_session_token = t2\n";
    std::ofstream(config) << "[default]\nregion = us-east-1\n[profile cfg]\n"
                             "aws_access_key_id = AKIACFG\naws_secret_access_key = s3\n";
    ::unsetenv("AWS_PROFILE");
    ::unsetenv("AWS_DEFAULT_PROFILE");
    ::setenv("AWS_SHARED_CREDENTIALS_FILE", creds.c_str(), 1);
    ::setenv("AWS_CONFIG_FILE", config.c_str(), 1);
    ::setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    ::setenv("AWS_SECRET_ACCESS_KEY", "s0", 1);
    CHECK(load_aws_credentials().access_key_id == "AKIAENV");
    ::unsetenv("AWS_ACCESS_KEY_ID");
    auto d = load_aws_credentials();
    CHECK(d.access_key_id == "AKIADEFAULT");
    CHECK(d.session_token.empty());
    CHECK(d.source == creds + " [default]");
    ::setenv("AWS_PROFILE", "work", 1);
    auto w = load_aws_credentials();
    CHECK(w.access_key_id == "AKIAWORK");
    CHECK(w.session_token == "t2");
    ::setenv("AWS_PROFILE", "cfg", 1);
    CHECK(load_aws_credentials().access_key_id == "AKIACFG");
    ::setenv("AWS_PROFILE", "nobody", 1);
    std::string err;
    try {
        load_aws_credentials();
    } catch (const std::exception& e) {
        err = e.what();
    }
    CHECK(err.find("Unable to locate AWS credentials (tried AWS_ACCESS_KEY_ID and "
                   "AWS_SECRET_ACCESS_KEY, " +
                   creds + " [nobody], " + config + " [profile nobody])") == 0);
    CHECK(err.find("s1") == std::string::npos);
    ::unsetenv("AWS_PROFILE");
    ::unsetenv("AWS_SECRET_ACCESS_KEY");
    ::unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    ::unsetenv("AWS_CONFIG_FILE");
    ::unlink(creds.c_str());
    ::unlink(config.c_str());
    ::rmdir(dir);
}
