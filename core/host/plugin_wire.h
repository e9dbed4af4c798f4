// The messages between certbot and its plugin runner processes (docs/plugin-abi.md, "Process
// model"). A message is a list of byte strings; on the wire: u32 payload length, then u32 count
// and, per string, u32 length and the bytes (little endian). Both ends treat the other as
// untrusted: sizes are bounded and every read is checked.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace certbot::wire {

using Message = std::vector<std::string>;

constexpr size_t kMaxMessage = 16u << 20;

// Encodes one message into a frame (length prefix included).
std::string encode(const Message& m);
// Decodes one frame from the front of BUF; consumes it. nullopt when BUF holds no complete
// frame yet; `bad` set when the bytes are not a valid frame.
std::optional<Message> take_frame(std::string& buf, bool& bad);

// Writes a whole frame to FD (blocking, no SIGPIPE). false when the peer is gone.
bool send(int fd, const Message& m);

enum class ReadStatus { kOk, kClosed, kBad, kTimedOut, kStopped };

// Reads one message from FD into OUT. Waits until DEADLINE at most; STOP (checked about every
// 100 ms and after signals) ends the wait early. BUF carries bytes between calls.
ReadStatus receive(int fd, std::string& buf, Message& out,
                   std::chrono::steady_clock::time_point deadline,
                   const std::function<bool()>& stop);

// Nullable strings travel with a one-byte marker: "N" for NULL, "S<value>" for a value.
std::string nullable(const char* s);
const char* nullable_get(const std::string& s);  // NULL or a pointer into s (after the marker)

// A checked reader over a message's fields.
class Cursor {
  public:
    explicit Cursor(const Message& m, size_t start = 0) : m_(m), i_(start) {}
    bool ok() const { return ok_; }
    const std::string& str();
    uint64_t num(uint64_t max);
    int64_t snum();  // a signed 64-bit decimal ("-5")
    bool done() const { return i_ == m_.size(); }

  private:
    const Message& m_;
    size_t i_;
    bool ok_ = true;
    std::string empty_;
};

}  // namespace certbot::wire
