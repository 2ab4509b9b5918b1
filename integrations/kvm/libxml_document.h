// Small owners and readers over libxml2's tree API, shared by the domain XML reader and the
// channel device writer: the document, the strings libxml2 allocates, an element's
// attributes and its child elements.
#pragma once

#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::kvm {

struct XmlDocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocument = std::unique_ptr<xmlDoc, XmlDocFree>;

// Parses `xml` (at most `max_bytes`) without network access, without substituting entities
// and refusing any DTD. Errors carry `malformed_code` and libxml2's message with its line;
// over the bound: `too_large_code`.
Expected<XmlDocument> parse_xml_document(std::string_view xml, std::size_t max_bytes,
                                         const char* too_large_code, const char* malformed_code);

// The element's attribute `name` (no namespace), decoded; nullopt when absent.
std::optional<std::string> xml_attribute(const xmlNode* element, const char* name);

// The element's text content, decoded (all descendant text concatenated).
std::string xml_text(const xmlNode* element);

// The child elements named `name` in no namespace (extension elements such as
// <qemu:commandline> or <metadata> contents live in their own namespaces and are skipped).
std::vector<const xmlNode*> xml_children(const xmlNode* element, std::string_view name);

// The element and its children as XML text, as libxml2 writes them (no XML declaration).
std::string xml_serialize(const xmlNode* element);

}  // namespace hotsplice::kvm
