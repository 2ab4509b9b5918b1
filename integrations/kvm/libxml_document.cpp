#include "integrations/kvm/libxml_document.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include <climits>

namespace hotsplice::kvm {
namespace {

struct XmlStringFree {
  void operator()(xmlChar* text) const { xmlFree(text); }
};
using XmlString = std::unique_ptr<xmlChar, XmlStringFree>;

struct ParserContextFree {
  void operator()(xmlParserCtxt* context) const { xmlFreeParserCtxt(context); }
};

std::string to_std_string(const xmlChar* text) {
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

// libxml2's messages end with a newline; ours are one line.
std::string trimmed_message(const xmlError* error) {
  if (error == nullptr || error->message == nullptr) return "unknown libxml2 error";
  std::string message = error->message;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message + " (line " + std::to_string(error->line) + ")";
}

}  // namespace

Expected<XmlDocument> parse_xml_document(std::string_view xml, std::size_t max_bytes,
                                         const char* too_large_code, const char* malformed_code) {
  if (xml.size() > max_bytes || xml.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error(too_large_code, "XML of " + std::to_string(xml.size()) +
                                     " bytes is over the limit of " + std::to_string(max_bytes));
  }
  if (xml.empty()) return Error(malformed_code, "empty document");
  xmlInitParser();
  std::unique_ptr<xmlParserCtxt, ParserContextFree> context(xmlNewParserCtxt());
  if (!context) return Error(malformed_code, "libxml2 could not allocate a parser");
  // NONET: no fetching of anything named in the document. No NOENT: entity references are
  // not substituted. NOERROR/NOWARNING: errors come back here instead of going to stderr.
  constexpr int kOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  XmlDocument doc(xmlCtxtReadMemory(context.get(), xml.data(), static_cast<int>(xml.size()),
                                    "domain.xml", nullptr, kOptions));
  if (!doc || context->wellFormed == 0) {
    return Error(malformed_code,
                 "not well-formed XML: " + trimmed_message(xmlCtxtGetLastError(context.get())));
  }
  // libvirt never writes a DTD; one here could only be an attempt at entity tricks.
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Error(malformed_code, "a document type declaration (DTD) is not accepted");
  }
  return doc;
}

std::optional<std::string> xml_attribute(const xmlNode* element, const char* name) {
  XmlString value(xmlGetNoNsProp(element, reinterpret_cast<const xmlChar*>(name)));
  if (!value) return std::nullopt;
  return to_std_string(value.get());
}

std::string xml_text(const xmlNode* element) {
  XmlString value(xmlNodeGetContent(element));
  return to_std_string(value.get());
}

std::vector<const xmlNode*> xml_children(const xmlNode* element, std::string_view name) {
  std::vector<const xmlNode*> found;
  for (const xmlNode* child = element->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE && child->ns == nullptr &&
        to_std_string(child->name) == name) {
      found.push_back(child);
    }
  }
  return found;
}

std::string xml_serialize(const xmlNode* element) {
  xmlBuffer* buffer = xmlBufferCreate();
  if (buffer == nullptr) return {};
  // xmlNodeDump neither changes nor keeps the node; its signature predates const.
  xmlNodeDump(buffer, element->doc, const_cast<xmlNode*>(element), 0, 0);
  std::string text(reinterpret_cast<const char*>(xmlBufferContent(buffer)),
                   static_cast<std::size_t>(xmlBufferLength(buffer)));
  xmlBufferFree(buffer);
  return text;
}

}  // namespace hotsplice::kvm
