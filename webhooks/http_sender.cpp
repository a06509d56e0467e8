// HttpSender: send() queues under a lock and wakes the thread with
// curl_multi_wakeup; the thread moves queued requests onto the multi handle
// while slots are free, taking turns between the keys with requests waiting,
// drives them with curl_multi_perform and sleeps in curl_multi_poll. Peers are
// judged on the address actually connected to.
#include "webhooks/http_sender.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "config/thread_name.hpp"
#include "webhooks/address_policy.hpp"

namespace incident::webhooks {
namespace {

// A receiver has no reason to answer a webhook at length; reading stops here.
constexpr std::size_t kMaxResponseBytes = 1024 * 1024;
constexpr std::chrono::milliseconds kMaxConnectTimeout{5000};
// Only an upper bound: curl_multi_poll returns sooner for libcurl's own timers.
constexpr int kIdlePollMilliseconds = 1000;
constexpr const char* kCouldNotStart = "could not start the transfer";

CURLM* new_multi() {
  static std::once_flag once;
  static CURLcode initialised = CURLE_FAILED_INIT;
  std::call_once(once, [] { initialised = curl_global_init(CURL_GLOBAL_DEFAULT); });
  CURLM* multi = initialised == CURLE_OK ? curl_multi_init() : nullptr;
  if (!multi) throw std::runtime_error("webhooks: libcurl could not be initialised");
  return multi;
}

std::chrono::microseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

bool is_tls_error(CURLcode code) {
  switch (code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return true;
    default:
      return false;
  }
}

/// A header line that would end early and start another is refused: the
/// lines are sent as they are.
bool valid_header(const std::string& line) {
  return line.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

bool append(curl_slist*& list, const char* line) {
  curl_slist* longer = curl_slist_append(list, line);
  if (longer) list = longer;
  return longer != nullptr;
}

}  // namespace

/// One request on the wire: owns the easy handle and everything it points to
/// (the body, the header list) until the handle is cleaned up.
struct HttpSender::Transfer {
  explicit Transfer(Queued queued)
      : request(std::move(queued.request)), done(std::move(queued.done)) {}
  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    curl_slist_free_all(headers);
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  std::string configure(const std::string& user_agent);
  bool set_options(const std::string& user_agent);
  OutboundResult result(CURLcode code) const;
  std::string describe(CURLcode code) const;
  static std::size_t discard(char* data, std::size_t size, std::size_t count, void* self);
  static curl_socket_t open_socket(void* self, curlsocktype purpose, curl_sockaddr* address);

  OutboundRequest request;
  Done done;
  CURL* easy = curl_easy_init();
  curl_slist* headers = nullptr;
  std::string refused;  // why open_socket refused a peer
  std::size_t received = 0;
  bool cut_short = false;  // stopped reading past kMaxResponseBytes
  char error_buffer[CURL_ERROR_SIZE] = {};
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

/// Sets the handle up; "" when done, else why the request cannot be sent.
std::string HttpSender::Transfer::configure(const std::string& user_agent) {
  if (!easy) return kCouldNotStart;
  for (const auto& line : request.headers) {
    if (!valid_header(line)) return "invalid header";
    if (!append(headers, line.c_str())) return kCouldNotStart;
  }
  // "Expect:" drops the "100-continue" curl asks for before a large body (over
  // 1 MiB in 7.88, 1 KiB in older ones): receivers seldom answer it, and the
  // send would then wait a second for nothing.
  if (!append(headers, "Content-Type: application/json") || !append(headers, "Expect:"))
    return kCouldNotStart;
  return set_options(user_agent) ? "" : kCouldNotStart;
}

bool HttpSender::Transfer::set_options(const std::string& user_agent) {
  const long timeout = std::max<long>(1, request.timeout.count());
  bool ok = curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str()) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
  // No proxy from the environment: the address judged must be the real peer's.
  ok &= curl_easy_setopt(easy, CURLOPT_PROXY, "") == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         std::min<long>(timeout, kMaxConnectTimeout.count())) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent.c_str()) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data()) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(request.body.size())) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::discard) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_WRITEDATA, this) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &Transfer::open_socket) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this) == CURLE_OK;
  ok &= curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer) == CURLE_OK;
  // A connection opened to a private peer must not be kept in the shared
  // cache, where a request that forbids such peers could reuse it unjudged.
  ok &= curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, request.allow_private ? 1L : 0L) == CURLE_OK;
  // A transfer ended while its name is still being resolved leaves the
  // resolver thread to finish alone, instead of this thread waiting for it
  // (as long as a silent DNS server takes): a hanging name delays no one.
  ok &= curl_easy_setopt(easy, CURLOPT_QUICK_EXIT, 1L) == CURLE_OK;
  return ok;
}

std::size_t HttpSender::Transfer::discard(char*, std::size_t size, std::size_t count, void* self) {
  auto* transfer = static_cast<Transfer*>(self);
  transfer->received += size * count;
  if (transfer->received <= kMaxResponseBytes) return size * count;
  transfer->cut_short = true;
  return 0;  // ends the transfer with CURLE_WRITE_ERROR; the status is known by now
}

/// Called for each address libcurl is about to connect to, after resolving:
/// judging here, not the name beforehand, is what defeats DNS rebinding.
curl_socket_t HttpSender::Transfer::open_socket(void* self, curlsocktype, curl_sockaddr* address) {
  auto* transfer = static_cast<Transfer*>(self);
  if (!transfer->request.allow_private) {
    if (auto reason = forbidden_address_reason(&address->addr)) {
      transfer->refused = *reason;
      return CURL_SOCKET_BAD;
    }
  }
  // Close-on-exec: the server starts child processes (redis-server).
  return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

OutboundResult HttpSender::Transfer::result(CURLcode code) const {
  OutboundResult result;
  result.duration = since(started);
  if (code == CURLE_OK || (code == CURLE_WRITE_ERROR && cut_short)) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    result.status = static_cast<int>(status);
  } else if (!refused.empty()) {
    result.error = "address refused: " + refused;
  } else {
    result.error = describe(code);
  }
  return result;
}

/// The error text; curl's messages name at most the host and port, never a
/// header or the body (which carry the signature).
std::string HttpSender::Transfer::describe(CURLcode code) const {
  const std::string message = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "timed out";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "could not resolve host";
    case CURLE_COULDNT_CONNECT: {
      long os_error = 0;
      curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_error);
      return os_error == ECONNREFUSED ? "connection refused" : message;
    }
    default:
      return is_tls_error(code) ? "tls: " + message : curl_easy_strerror(code);
  }
}

HttpSender::HttpSender(std::string user_agent, std::size_t max_in_flight)
    : user_agent_(std::move(user_agent)),
      max_in_flight_(std::max<std::size_t>(1, max_in_flight)),
      multi_(new_multi()),
      thread_([this] {
        name_this_thread("webhook.sender");
        run();
      }) {}

HttpSender::~HttpSender() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  curl_multi_wakeup(multi_);
  thread_.join();
  curl_multi_cleanup(multi_);
}

void HttpSender::send(OutboundRequest request, Done done) {
  outstanding_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mutex_);
  const bool was_empty = queue_.empty();
  const auto key = request.key;
  queue_.push(key, Queued{std::move(request), std::move(done)});
  // A request already waiting means a wake-up is pending or every slot is
  // taken (a finishing transfer starts the next): one wake-up is enough.
  if (was_empty) curl_multi_wakeup(multi_);
}

void HttpSender::run() {
  while (start_queued()) {
    int running = 0;
    curl_multi_perform(multi_, &running);
    // A finished transfer frees a slot: go round at once to fill it.
    if (complete_finished() > 0) continue;
    curl_multi_poll(multi_, nullptr, 0, kIdlePollMilliseconds, nullptr);
  }
  stop_all();
}

/// Moves queued requests onto the wire while slots are free; false once
/// stopping.
bool HttpSender::start_queued() {
  std::vector<Queued> starting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    while (!queue_.empty() && running_.size() + starting.size() < max_in_flight_)
      starting.push_back(queue_.pop());
  }
  for (auto& queued : starting) start(std::move(queued));
  return true;
}

void HttpSender::start(Queued queued) {
  auto transfer = std::make_unique<Transfer>(std::move(queued));
  std::string failed = transfer->configure(user_agent_);
  if (failed.empty() && curl_multi_add_handle(multi_, transfer->easy) != CURLM_OK)
    failed = kCouldNotStart;
  if (!failed.empty()) {
    complete(transfer->done, OutboundResult{0, failed, {}});
    return;
  }
  CURL* easy = transfer->easy;
  running_.emplace(easy, std::move(transfer));
}

/// Completes the transfers libcurl has finished; how many there were.
std::size_t HttpSender::complete_finished() {
  std::size_t finished = 0;
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    // The message is freed by the removal: read it first.
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;
    curl_multi_remove_handle(multi_, easy);
    auto node = running_.extract(easy);
    if (node.empty()) continue;
    complete(node.mapped()->done, node.mapped()->result(code));
    ++finished;
  }
  return finished;
}

void HttpSender::complete(Done& done, OutboundResult result) {
  outstanding_.fetch_sub(1);
  if (done) done(std::move(result));
}

/// Completes everything with "stopped": the transfers on the wire, then the
/// queue, including what a Done sends meanwhile.
void HttpSender::stop_all() {
  auto stopping = std::move(running_);
  running_.clear();
  for (auto& [easy, transfer] : stopping) {
    curl_multi_remove_handle(multi_, easy);
    complete(transfer->done, OutboundResult{0, "stopped", since(transfer->started)});
  }
  stopping.clear();
  for (;;) {
    FairQueue<Queued> left;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty()) return;
      std::swap(left, queue_);
    }
    while (!left.empty()) {
      Queued queued = left.pop();
      complete(queued.done, OutboundResult{0, "stopped", {}});
    }
  }
}

}  // namespace incident::webhooks
