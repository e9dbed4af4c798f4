#include "plugin_wire.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace certbot::wire {

namespace {

void put_u32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t get_u32(const std::string& s, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v |= static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
    return v;
}

}  // namespace

std::string encode(const Message& m) {
    std::string payload;
    put_u32(payload, static_cast<uint32_t>(m.size()));
    for (const auto& s : m) {
        put_u32(payload, static_cast<uint32_t>(s.size()));
        payload += s;
    }
    std::string frame;
    put_u32(frame, static_cast<uint32_t>(payload.size()));
    return frame + payload;
}

std::optional<Message> take_frame(std::string& buf, bool& bad) {
    bad = false;
    if (buf.size() < 4) return std::nullopt;
    const uint32_t len = get_u32(buf, 0);
    if (len > kMaxMessage || len < 4) {
        bad = true;
        return std::nullopt;
    }
    if (buf.size() < 4 + static_cast<size_t>(len)) return std::nullopt;
    const std::string payload = buf.substr(4, len);
    buf.erase(0, 4 + static_cast<size_t>(len));
    const uint32_t count = get_u32(payload, 0);
    Message m;
    size_t at = 4;
    for (uint32_t i = 0; i < count; ++i) {
        if (payload.size() - at < 4) {
            bad = true;
            return std::nullopt;
        }
        const uint32_t n = get_u32(payload, at);
        at += 4;
        if (payload.size() - at < n) {
            bad = true;
            return std::nullopt;
        }
        m.push_back(payload.substr(at, n));
        at += n;
    }
    if (at != payload.size()) {
        bad = true;
        return std::nullopt;
    }
    return m;
}

bool send(int fd, const Message& m) {
    const std::string frame = encode(m);
    size_t off = 0;
    while (off < frame.size()) {
        ssize_t n = ::send(fd, frame.data() + off, frame.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

ReadStatus receive(int fd, std::string& buf, Message& out,
                   std::chrono::steady_clock::time_point deadline,
                   const std::function<bool()>& stop) {
    using clock = std::chrono::steady_clock;
    while (true) {
        bool bad = false;
        if (auto m = take_frame(buf, bad)) {
            out = std::move(*m);
            return ReadStatus::kOk;
        }
        if (bad) return ReadStatus::kBad;
        if (stop && stop()) return ReadStatus::kStopped;
        const auto now = clock::now();
        if (now >= deadline) return ReadStatus::kTimedOut;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return ReadStatus::kClosed;
        if (r == 0) continue;
        char chunk[65536];
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return ReadStatus::kClosed;
        buf.append(chunk, static_cast<size_t>(n));
        if (buf.size() > kMaxMessage + 4) return ReadStatus::kBad;
    }
}

std::string nullable(const char* s) {
    return s ? "S" + std::string(s) : std::string("N");
}

const char* nullable_get(const std::string& s) {
    return !s.empty() && s[0] == 'S' ? s.c_str() + 1 : nullptr;
}

const std::string& Cursor::str() {
    if (!ok_ || i_ >= m_.size()) {
        ok_ = false;
        return empty_;
    }
    return m_[i_++];
}

int64_t Cursor::snum() {
    const std::string& s = str();
    const bool negative = !s.empty() && s[0] == '-';
    if (!ok_ || s.size() < (negative ? 2u : 1u) || s.size() > 20) {
        ok_ = false;
        return 0;
    }
    errno = 0;
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 10);
    if (*end != '\0' || errno == ERANGE || s[negative ? 1 : 0] < '0' || s[negative ? 1 : 0] > '9')
        ok_ = false;
    return ok_ ? v : 0;
}

uint64_t Cursor::num(uint64_t max) {
    const std::string& s = str();
    if (!ok_ || s.empty() || s.size() > 19) {
        ok_ = false;
        return 0;
    }
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            ok_ = false;
            return 0;
        }
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    if (v > max) {
        ok_ = false;
        return 0;
    }
    return v;
}

}  // namespace certbot::wire
