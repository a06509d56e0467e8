// Form and multipart encoders of the e2e client. Values go out byte for byte
// so tests can also send malformed UTF-8 on purpose.
#include "form_encoding.hpp"

#include <cctype>
#include <random>

namespace e2e {

namespace {

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::string escape(const std::string& text, bool space_as_plus) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x80 && unreserved(c)) {
      out += static_cast<char>(c);
    } else if (c == ' ' && space_as_plus) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string random_boundary() {
  std::random_device device;
  std::mt19937_64 generator(device());
  return "e2e-boundary-" + std::to_string(generator());
}

}  // namespace

std::string form_escape(const std::string& text) { return escape(text, true); }

std::string url_escape(const std::string& text) { return escape(text, false); }

std::string form_encode(const Fields& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += form_escape(name) + "=" + form_escape(value);
  }
  return out;
}

MultipartBody multipart_encode(const Fields& fields) {
  std::string boundary = random_boundary();
  std::string body;
  for (const auto& [name, value] : fields) {
    body += "--" + boundary + "\r\n";
    body += "Content-Disposition: form-data; name=\"" + name + "\"\r\n\r\n";
    body += value + "\r\n";
  }
  body += "--" + boundary + "--\r\n";
  return {"multipart/form-data; boundary=" + boundary, body};
}

}  // namespace e2e
