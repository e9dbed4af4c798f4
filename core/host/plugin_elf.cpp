#include "plugin_elf.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <unordered_map>
#include <vector>

#include "plugin_entry.h"

namespace certbot {

namespace {

#if defined(__x86_64__)
constexpr uint16_t kMachine = EM_X86_64;
constexpr uint32_t kRelative = R_X86_64_RELATIVE;
constexpr uint32_t kAbsolute = R_X86_64_64;
constexpr uint32_t kGlobDat = R_X86_64_GLOB_DAT;
#elif defined(__aarch64__)
constexpr uint16_t kMachine = EM_AARCH64;
constexpr uint32_t kRelative = R_AARCH64_RELATIVE;
constexpr uint32_t kAbsolute = R_AARCH64_ABS64;
constexpr uint32_t kGlobDat = R_AARCH64_GLOB_DAT;
#else
constexpr uint16_t kMachine = EM_NONE;  // no static reading: every file goes to a runner
constexpr uint32_t kRelative = ~0u, kAbsolute = ~0u, kGlobDat = ~0u;
#endif

// Bounds on what is read from a file (the reader treats it as untrusted input).
constexpr uint64_t kMaxTable = 16u << 20;  // one symbol, string or relocation table
constexpr size_t kMaxString = 64u << 10;   // one string the entry points to

// A shared object's loadable image as the dynamic loader would see it, read with pread and
// never mapped: bytes at link-time addresses (the load base is 0 for ET_DYN) and the value each
// relocated word will hold.
class ElfImage {
  public:
    // nullopt: not a 64-bit shared object of this machine with section headers.
    static std::optional<ElfImage> open(int fd) {
        ElfImage img;
        img.fd_ = fd;
        struct stat st {};
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
        img.size_ = static_cast<uint64_t>(st.st_size);
        Elf64_Ehdr eh{};
        if (!img.pread_exact(0, &eh, sizeof eh)) return std::nullopt;
        const bool little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
        if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
            eh.e_ident[EI_DATA] != (little ? ELFDATA2LSB : ELFDATA2MSB) || eh.e_type != ET_DYN ||
            eh.e_machine != kMachine || kMachine == EM_NONE ||
            eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_shentsize != sizeof(Elf64_Shdr) ||
            eh.e_shnum == 0 || eh.e_shnum >= SHN_LORESERVE)
            return std::nullopt;
        std::vector<Elf64_Phdr> ph(eh.e_phnum);
        if (!img.pread_exact(eh.e_phoff, ph.data(), ph.size() * sizeof(Elf64_Phdr)))
            return std::nullopt;
        for (const auto& p : ph)
            if (p.p_type == PT_LOAD && p.p_filesz <= p.p_memsz) img.loads_.push_back(p);
        std::vector<Elf64_Shdr> sh(eh.e_shnum);
        if (!img.pread_exact(eh.e_shoff, sh.data(), sh.size() * sizeof(Elf64_Shdr)))
            return std::nullopt;
        for (const auto& s : sh) {
            if (s.sh_type != SHT_DYNSYM) continue;
            if (s.sh_entsize != sizeof(Elf64_Sym) || s.sh_link >= sh.size() ||
                !img.read_table(s, img.dynsym_) || !img.read_table(sh[s.sh_link], img.dynstr_))
                return std::nullopt;
        }
        // Dynamic relocations are the allocated ones (--emit-relocs leaves others behind).
        for (const auto& s : sh) {
            if (!(s.sh_flags & SHF_ALLOC)) continue;
            if (s.sh_type == SHT_RELA) {
                std::vector<Elf64_Rela> rela;
                if (s.sh_entsize != sizeof(Elf64_Rela) || !img.read_table(s, rela))
                    return std::nullopt;
                for (const auto& r : rela) img.add_rela(r);
            } else if (s.sh_type == SHT_REL) {
                std::vector<Elf64_Rel> rel;
                if (s.sh_entsize != sizeof(Elf64_Rel) || !img.read_table(s, rel))
                    return std::nullopt;
                for (const auto& r : rel) img.relocs_[r.r_offset] = std::nullopt;
            } else if (s.sh_type == SHT_RELR) {
                std::vector<Elf64_Relr> relr;
                if (s.sh_entsize != sizeof(Elf64_Relr) || !img.read_table(s, relr))
                    return std::nullopt;
                img.add_relr(relr);
            }
        }
        return img;
    }

    // The address of the data symbol NAME when this file defines it; nullopt when it does not
    // (dlsym would also search the file's dependencies).
    std::optional<uint64_t> symbol(const char* name) const {
        for (const auto& s : dynsym_) {
            if (s.st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s.st_info) != STT_OBJECT) continue;
            if (s.st_name >= dynstr_.size()) continue;
            if (std::strcmp(dynstr_.c_str() + s.st_name, name) == 0) return s.st_value;
        }
        return std::nullopt;
    }
    // Whether the file's symbol table names NAME at all (defined here or imported).
    bool mentions(const char* name) const {
        for (const auto& s : dynsym_)
            if (s.st_name < dynstr_.size() && std::strcmp(dynstr_.c_str() + s.st_name, name) == 0)
                return true;
        return false;
    }

    // N bytes at VADDR, within one loadable segment (zeros past its file part, as in .bss).
    bool read(uint64_t vaddr, void* out, size_t n) const {
        for (const auto& p : loads_) {
            if (vaddr < p.p_vaddr || vaddr - p.p_vaddr > p.p_memsz ||
                n > p.p_memsz - (vaddr - p.p_vaddr))
                continue;
            const uint64_t rel = vaddr - p.p_vaddr;
            std::memset(out, 0, n);
            if (rel >= p.p_filesz) return true;
            const size_t from_file = static_cast<size_t>(std::min<uint64_t>(n, p.p_filesz - rel));
            return pread_exact(p.p_offset + rel, out, from_file);
        }
        return false;
    }

    // The value the pointer stored at VADDR will have once loaded (a link-time address; 0 is
    // NULL); nullopt when this file alone cannot tell (an imported symbol, an unknown
    // relocation, a non-zero word nothing relocates).
    std::optional<uint64_t> pointer(uint64_t vaddr) const {
        if (auto r = relocs_.find(vaddr); r != relocs_.end()) return r->second;
        uint64_t raw = 0;
        if (!read(vaddr, &raw, sizeof raw) || raw != 0) return std::nullopt;
        return 0;
    }

    // The NUL-terminated string at VADDR (at most MAX bytes).
    std::optional<std::string> string(uint64_t vaddr, size_t max) const {
        std::string out;
        char chunk[256];
        while (out.size() < max) {
            size_t n = sizeof chunk;
            // A string may end close to its segment's end: shrink the read until it fits.
            while (n > 0 && !read(vaddr + out.size(), chunk, n)) n /= 2;
            if (n == 0) return std::nullopt;
            const void* nul = std::memchr(chunk, 0, n);
            if (nul) return out.append(chunk, static_cast<const char*>(nul) - chunk);
            out.append(chunk, n);
        }
        return std::nullopt;
    }

  private:
    bool pread_exact(uint64_t offset, void* out, size_t n) const {
        if (offset > size_ || n > size_ - offset) return false;
        auto* p = static_cast<char*>(out);
        while (n > 0) {
            const ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0) return false;
            p += got, n -= static_cast<size_t>(got), offset += static_cast<uint64_t>(got);
        }
        return true;
    }

    template <class T>
    bool read_table(const Elf64_Shdr& s, std::vector<T>& out) const {
        if (s.sh_type == SHT_NOBITS || s.sh_size > kMaxTable || s.sh_size % sizeof(T) != 0)
            return false;
        out.resize(s.sh_size / sizeof(T));
        return pread_exact(s.sh_offset, out.data(), s.sh_size);
    }
    bool read_table(const Elf64_Shdr& s, std::string& out) const {
        if (s.sh_type != SHT_STRTAB || s.sh_size > kMaxTable) return false;
        out.resize(s.sh_size);
        return pread_exact(s.sh_offset, out.data(), s.sh_size);
    }

    void add_rela(const Elf64_Rela& r) {
        const uint32_t type = ELF64_R_TYPE(r.r_info);
        const uint64_t sym = ELF64_R_SYM(r.r_info);
        std::optional<uint64_t> value;
        if (type == kRelative) {
            value = static_cast<uint64_t>(r.r_addend);
        } else if ((type == kAbsolute || type == kGlobDat) && sym < dynsym_.size()) {
            // A symbol this file defines (not a thread-local or an ifunc): its own address.
            const Elf64_Sym& s = dynsym_[sym];
            const int kind = ELF64_ST_TYPE(s.st_info);
            if (s.st_shndx != SHN_UNDEF && s.st_shndx != SHN_ABS && kind != STT_TLS &&
                kind != STT_GNU_IFUNC)
                value = s.st_value + static_cast<uint64_t>(r.r_addend);
        }
        relocs_[r.r_offset] = value;
    }

    // RELR (packed relative relocations): an even word is an address to relocate, an odd word
    // a bitmap of the 63 words after the last one; the addend is the word in the file.
    void add_relr(const std::vector<Elf64_Relr>& words) {
        uint64_t where = 0;
        auto relocate = [&](uint64_t at) {
            uint64_t v = 0;
            relocs_[at] = read(at, &v, sizeof v) ? std::optional<uint64_t>(v) : std::nullopt;
        };
        for (uint64_t w : words) {
            if ((w & 1) == 0) {
                relocate(w);
                where = w + 8;
                continue;
            }
            for (unsigned bit = 0; (w >>= 1) != 0; ++bit)
                if (w & 1) relocate(where + bit * 8);
            where += 63 * 8;
        }
    }

    int fd_ = -1;
    uint64_t size_ = 0;
    std::vector<Elf64_Phdr> loads_;
    std::vector<Elf64_Sym> dynsym_;
    std::string dynstr_;
    std::unordered_map<uint64_t, std::optional<uint64_t>> relocs_;
};

// Stand-ins for the entry's code pointers: the copy built here is only checked and described,
// never called (a runner loads the real thing).
cb_status not_called_create(const cb_host*, void**) {
    return CB_ERROR;
}
void not_called_destroy(void*) {}

// A host-memory copy of the entry read from the image: the same layout and the same struct
// sizes, every pointer replaced by one into storage owned here.
class EntryCopy {
  public:
    explicit EntryCopy(const ElfImage& img) : img_(img) {}

    // Negotiation (plugin.h): the entry at AT (certbot_plugin_entry) and, when LIST is set, the
    // entries certbot_plugin_entries points to; the one the host speaks is described.
    std::optional<wire::Message> negotiate(uint64_t at, std::optional<uint64_t> list) {
        std::vector<uint64_t> where{at};
        for (uint64_t i = 0; list && i <= CB_MAX_ENTRIES; ++i) {
            auto p = img_.pointer(*list + i * sizeof(void*));
            if (!p) return std::nullopt;
            if (*p == 0) break;
            where.push_back(*p);
        }
        std::vector<cb_plugin_head> heads(where.size());
        std::vector<const cb_plugin_head*> offered;
        for (size_t i = 0; i < where.size(); ++i) {
            if (!head(where[i], heads[i])) return std::nullopt;
            offered.push_back(&heads[i]);
        }
        const EntryChoice choice = plugin_choose_entry(offered);
        if (!choice.problem.empty())
            return wire::Message{"desc", "skip", choice.problem, plugin_declared_name(heads[0])};
        return describe(where[choice.index]);
    }

    std::optional<wire::Message> describe(uint64_t at) {
        uint64_t size = 0;
        if (!img_.read(at, &size, sizeof size) || size == 0)
            return std::nullopt;  // filled in at run time (a dynamic initialiser): load it
        if (!img_.read(at, &e_, std::min<uint64_t>(size, sizeof e_))) return std::nullopt;
        e_.struct_size = size;
        auto covers = [&](size_t off, size_t n) { return size >= off + n; };
#define CB_COVERS(field) covers(offsetof(cb_plugin, field), sizeof(e_.field))
        // Another major: only the four fields every major keeps are this layout.
        const bool same_major = CB_COVERS(abi_major) && e_.abi_major == CB_ABI_MAJOR;
        e_.name = nullptr;
        if (CB_COVERS(name) && !string_field(at + offsetof(cb_plugin, name), e_.name))
            return std::nullopt;
        if (same_major) {
            if (CB_COVERS(description) &&
                !string_field(at + offsetof(cb_plugin, description), e_.description))
                return std::nullopt;
            if (CB_COVERS(version) && !string_field(at + offsetof(cb_plugin, version), e_.version))
                return std::nullopt;
            if (CB_COVERS(challenge_types) && !types(at + offsetof(cb_plugin, challenge_types)))
                return std::nullopt;
            if (CB_COVERS(options) && CB_COVERS(option_count) &&
                !options(at + offsetof(cb_plugin, options)))
                return std::nullopt;
            if (CB_COVERS(create) &&
                !code(at + offsetof(cb_plugin, create), e_.create, &not_called_create))
                return std::nullopt;
            if (CB_COVERS(destroy) &&
                !code(at + offsetof(cb_plugin, destroy), e_.destroy, &not_called_destroy))
                return std::nullopt;
            if (CB_COVERS(authenticator) &&
                !table(at + offsetof(cb_plugin, authenticator), auth_, e_.authenticator))
                return std::nullopt;
            if (CB_COVERS(installer) &&
                !table(at + offsetof(cb_plugin, installer), inst_, e_.installer))
                return std::nullopt;
            if (CB_COVERS(exclusive_port_option) &&
                !string_field(at + offsetof(cb_plugin, exclusive_port_option),
                              e_.exclusive_port_option))
                return std::nullopt;
        }
#undef CB_COVERS
        if (auto why = plugin_entry_problem(e_); !why.empty())
            return wire::Message{"desc", "skip", why, plugin_declared_name(plugin_head(e_))};
        return plugin_describe_entry(e_);
    }

  private:
    // The head of the entry at AT (its size 0: filled in at run time, leave it to the loader).
    bool head(uint64_t at, cb_plugin_head& out) {
        out = cb_plugin_head{};
        if (!img_.read(at, &out.struct_size, sizeof out.struct_size) || out.struct_size == 0)
            return false;
        const size_t n = static_cast<size_t>(std::min<uint64_t>(out.struct_size, sizeof out));
        if (!img_.read(at, &out, n)) return false;
        out.name = nullptr;
        if (n == sizeof out && !string_field(at + offsetof(cb_plugin_head, name), out.name))
            return false;
        return true;
    }

    bool string_field(uint64_t field, const char*& out) {
        out = nullptr;
        auto p = img_.pointer(field);
        if (!p) return false;
        if (*p == 0) return true;
        auto s = img_.string(*p, kMaxString);
        if (!s) return false;
        out = strings_.emplace_back(std::move(*s)).c_str();
        return true;
    }

    bool types(uint64_t field) {
        e_.challenge_types = nullptr;
        auto p = img_.pointer(field);
        if (!p) return false;
        if (*p == 0) return true;
        for (uint64_t i = 0; i < 16; ++i) {  // the host keeps at most 16
            const char* t = nullptr;
            if (!string_field(*p + i * sizeof(void*), t)) return false;
            if (!t) break;
            types_.push_back(t);
        }
        types_.push_back(nullptr);
        e_.challenge_types = types_.data();
        return true;
    }

    bool options(uint64_t field) {
        e_.options = nullptr;
        if (e_.option_count > 256) return true;  // refused before the table is read
        auto p = img_.pointer(field);
        if (!p) return false;
        if (*p == 0 || e_.option_count == 0) return true;
        uint64_t stride = 0;
        if (!img_.read(*p, &stride, sizeof stride)) return false;
        const bool usable =
            stride >= CB_OPTION_DESC_SIZE_1_0 && stride <= 4096 && stride % alignof(size_t) == 0;
        // An unusable element size is refused on options[0].struct_size alone.
        const size_t bytes = usable ? stride * e_.option_count : sizeof(cb_option_desc);
        options_.assign(bytes / sizeof(size_t) + 1, 0);
        auto* base = reinterpret_cast<char*>(options_.data());
        if (!usable) {
            std::memcpy(base, &stride, sizeof stride);
        } else {
            if (!img_.read(*p, base, bytes)) return false;
            for (size_t i = 0; i < e_.option_count; ++i) {
                auto* o = reinterpret_cast<cb_option_desc*>(base + i * stride);
                const uint64_t at = *p + i * stride;
                if (!string_field(at + offsetof(cb_option_desc, name), o->name) ||
                    !string_field(at + offsetof(cb_option_desc, short_alias), o->short_alias) ||
                    !string_field(at + offsetof(cb_option_desc, metavar), o->metavar) ||
                    !string_field(at + offsetof(cb_option_desc, help), o->help) ||
                    !string_field(at + offsetof(cb_option_desc, default_value), o->default_value))
                    return false;
            }
        }
        e_.options = reinterpret_cast<const cb_option_desc*>(base);
        return true;
    }

    template <class F>
    bool code(uint64_t field, F& out, F stand_in) {
        auto p = img_.pointer(field);
        if (!p) return false;
        out = *p == 0 ? nullptr : stand_in;
        return true;
    }

    // An authenticator or installer table: only its size is checked here.
    template <class T>
    bool table(uint64_t field, T& copy, const T*& out) {
        out = nullptr;
        auto p = img_.pointer(field);
        if (!p) return false;
        if (*p == 0) return true;
        copy = T{};
        if (!img_.read(*p, &copy.struct_size, sizeof copy.struct_size)) return false;
        out = &copy;
        return true;
    }

    const ElfImage& img_;
    cb_plugin e_{};
    cb_authenticator auth_{};
    cb_installer inst_{};
    std::deque<std::string> strings_;
    std::vector<const char*> types_;
    std::vector<size_t> options_;  // the option elements, size_t-aligned
};

}  // namespace

std::optional<wire::Message> describe_plugin_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return std::nullopt;
    std::optional<wire::Message> out;
    char magic[4] = {};
    if (::pread(fd, magic, 4, 0) != 4 || std::memcmp(magic, ELFMAG, SELFMAG) != 0) {
        out = wire::Message{"desc", "skip", "not an ELF shared object", ""};
    } else if (auto img = ElfImage::open(fd)) {
        const auto list = img->symbol(CB_ENTRIES_SYMBOL);
        // A list imported from another library: only the loader can follow it.
        if (auto at = img->symbol(CB_ENTRY_SYMBOL);
            at && (list || !img->mentions(CB_ENTRIES_SYMBOL)))
            out = EntryCopy(*img).negotiate(*at, list);
    }
    ::close(fd);
    return out;
}

}  // namespace certbot
