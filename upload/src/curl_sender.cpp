// The only file in carekiosk that includes curl.
#include <curl/curl.h>

#include <cctype>
#include <mutex>

#include "carekiosk/upload/http_sender.hpp"

namespace carekiosk::upload {

using core::ErrorCode;
using core::makeError;

namespace {

// Below this rate for longer than the window, a transfer is abandoned rather
// than left to hang on a half-dead link until the whole-request timeout.
constexpr long kLowSpeedBytesPerSecond = 100;
constexpr long kLowSpeedWindowSeconds = 20;

void initCurlOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t appendBody(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

size_t collectHeader(char* data, size_t size, size_t count, void* user) {
    std::string line(data, size * count);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        std::string value = line.substr(colon + 1);
        const auto first = value.find_first_not_of(" \t");
        const auto last = value.find_last_not_of(" \t\r\n");
        value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
        (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
    }
    return size * count;
}

core::Error transportError(CURLcode code, const char* detail, const std::string& url) {
    const std::string what = std::string(*detail ? detail : curl_easy_strerror(code));
    switch (code) {
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_ISSUER_ERROR:
            return makeError(ErrorCode::Tls,
                             "TLS check of " + url + " failed: " + what +
                                 ". The collector's certificate must be signed by the CA file "
                                 "given at enrolment and match its host name.");
        case CURLE_OPERATION_TIMEDOUT:
            return makeError(ErrorCode::Network, "timed out talking to " + url + ": " + what);
        default:
            return makeError(ErrorCode::Network,
                             "cannot reach " + url + ": " + what +
                                 ". Check the network and that the collector is running.");
    }
}

class CurlSender final : public HttpSender {
  public:
    explicit CurlSender(TlsOptions options) : options_(std::move(options)) {
        initCurlOnce();
        curl_ = curl_easy_init();
    }
    ~CurlSender() override {
        if (curl_) {
            curl_easy_cleanup(curl_);
        }
    }
    CurlSender(const CurlSender&) = delete;
    CurlSender& operator=(const CurlSender&) = delete;

    Result<HttpResponse> send(const HttpRequest& request) override {
        if (!curl_) {
            return makeError(ErrorCode::Internal, "libcurl could not be initialised");
        }
        if (request.url.rfind("https://", 0) != 0) {
            return makeError(ErrorCode::InvalidInput,
                             "refusing to send to " + request.url + ": only https:// is allowed",
                             "url");
        }
        // Reset per request but keep the handle: that keeps the connection cache,
        // so consecutive batches reuse one TLS connection.
        curl_easy_reset(curl_);
        HttpResponse response;
        char errorBuffer[CURL_ERROR_SIZE] = {0};
        curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
        curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errorBuffer);
        curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(curl_, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
        curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.caFile.c_str());
        curl_easy_setopt(curl_, CURLOPT_CAPATH, nullptr);  // only the provisioned CA
        if (!options_.pinnedPublicKey.empty()) {
            curl_easy_setopt(curl_, CURLOPT_PINNEDPUBLICKEY, options_.pinnedPublicKey.c_str());
        }
        curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT, long(options_.connectTimeout.count()));
        curl_easy_setopt(curl_, CURLOPT_TIMEOUT, long(options_.requestTimeout.count()));
        curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, kLowSpeedBytesPerSecond);
        curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME, kLowSpeedWindowSeconds);
        curl_easy_setopt(curl_, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, appendBody);
        curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
        curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, collectHeader);
        curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &response.headers);
        curl_easy_setopt(curl_, CURLOPT_USERAGENT, "carekiosk/" CAREKIOSK_VERSION);

        curl_slist* headers = nullptr;
        const std::string auth = "Authorization: Bearer " + request.bearerToken;
        if (!request.bearerToken.empty()) {
            headers = curl_slist_append(headers, auth.c_str());
        }
        const std::string ifNoneMatch = "If-None-Match: " + request.ifNoneMatch;
        if (!request.ifNoneMatch.empty()) {
            headers = curl_slist_append(headers, ifNoneMatch.c_str());
        }
        const std::string type = "Content-Type: " + request.contentType;
        const std::string encoding = "Content-Encoding: " + request.contentEncoding;
        if (request.method == "POST") {
            headers = curl_slist_append(headers, type.c_str());
            if (!request.contentEncoding.empty()) {
                headers = curl_slist_append(headers, encoding.c_str());
            }
            // No "Expect: 100-continue" (libcurl 7 adds it to bodies past 1 KiB):
            // a batch is a few KiB, and asking the server first costs a round
            // trip per batch, or curl's one-second wait if no "100" comes.
            headers = curl_slist_append(headers, "Expect:");
            curl_easy_setopt(curl_, CURLOPT_POST, 1L);
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
            curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(request.body.size()));
        }
        curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);

        const CURLcode code = curl_easy_perform(curl_);
        curl_slist_free_all(headers);
        if (code != CURLE_OK) {
            return transportError(code, errorBuffer, request.url);
        }
        curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
        return response;
    }

  private:
    TlsOptions options_;
    CURL* curl_ = nullptr;
};

}  // namespace

TlsOptions tlsOptionsFor(const core::KioskConfig& config) {
    TlsOptions tls;
    tls.caFile = config.caFile;
    tls.pinnedPublicKey = config.pinnedPublicKey;
    return tls;
}

std::unique_ptr<HttpSender> makeCurlSender(const TlsOptions& options) {
    return std::make_unique<CurlSender>(options);
}

}  // namespace carekiosk::upload
