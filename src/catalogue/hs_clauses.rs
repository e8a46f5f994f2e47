//! The RFC sentences the handshake section's verdicts rest on, quoted
//! exactly (tests/clauses.rs finds each one in the RFC's text, kept in
//! tests/fixtures/rfc/). A case names the clause whose words decide it.

use super::opening::Clause;

// RFC 6455 §4.2.1: what a server reads, and what it does with a request
// that is not an opening handshake.

/// A request that does not match §4.2.1's description is refused.
pub const REFUSE: Clause = Clause {
    rfc: "RFC 6455 §4.2.1",
    words: "If the server, while reading the handshake, finds that the client did not send a handshake that matches the description below (note that as per [RFC2616], the order of the header fields is not important), including but not limited to any violations of the ABNF grammar specified for the components of the handshake, the server MUST stop processing the client's handshake and return an HTTP response with an appropriate error code (such as 400 Bad Request).",
};

pub const GET_11: Clause = Clause {
    rfc: "RFC 6455 §4.2.1",
    words: "An HTTP/1.1 or higher GET request, including a \"Request-URI\" [RFC2616] that should be interpreted as a /resource name/ defined in Section 3 (or an absolute HTTP/HTTPS URI containing the /resource name/).",
};

pub const HOST: Clause = Clause {
    rfc: "RFC 6455 §4.2.1",
    words: "A |Host| header field containing the server's authority.",
};

pub const UPGRADE: Clause = Clause {
    rfc: "RFC 6455 §4.2.1",
    words: "An |Upgrade| header field containing the value \"websocket\", treated as an ASCII case-insensitive value.",
};

pub const CONNECTION: Clause = Clause {
    rfc: "RFC 6455 §4.2.1",
    words: "A |Connection| header field that includes the token \"Upgrade\", treated as an ASCII case-insensitive value.",
};

pub const KEY: Clause = Clause {
    rfc: "RFC 6455 §4.2.1",
    words: "A |Sec-WebSocket-Key| header field with a base64-encoded (see Section 4 of [RFC4648]) value that, when decoded, is 16 bytes in length.",
};

pub const KEY_ONCE: Clause = Clause {
    rfc: "RFC 6455 §11.3.1",
    words: "The |Sec-WebSocket-Key| header field MUST NOT appear more than once in an HTTP request.",
};

pub const VERSION_13: Clause = Clause {
    rfc: "RFC 6455 §4.2.1",
    words: "A |Sec-WebSocket-Version| header field, with a value of 13.",
};

pub const VERSION_ONCE: Clause = Clause {
    rfc: "RFC 6455 §11.3.5",
    words: "However, the |Sec-WebSocket-Version| header field MUST NOT appear more than once in an HTTP request.",
};

/// A version the server does not speak: refuse, naming the ones it does.
pub const VERSION: Clause = Clause {
    rfc: "RFC 6455 §4.2.2",
    words: "If this version does not match a version understood by the server, the server MUST abort the WebSocket handshake described in this section and instead send an appropriate HTTP error code (such as 426 Upgrade Required) and a |Sec-WebSocket-Version| header field indicating the version(s) the server is capable of understanding.",
};

/// What a valid request is answered with.
pub const ACCEPT: Clause = Clause {
    rfc: "RFC 6455 §4.2.2",
    words: "If the server chooses to accept the incoming connection, it MUST reply with a valid HTTP response indicating the following.",
};

pub const HEADER_NAMES: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "Please note that according to [RFC2616], all header field names in both HTTP requests and HTTP responses are case-insensitive.",
};

pub const UNKNOWN_HEADERS: Clause = Clause {
    rfc: "RFC 6455 §4.2.1",
    words: "Optionally, other header fields, such as those used to send cookies or request authentication to a server. Unknown header fields are ignored, as per [RFC2616].",
};

pub const ORIGIN: Clause = Clause {
    rfc: "RFC 6455 §4.2.2",
    words: "If the server does not wish to accept this connection, it MUST return an appropriate HTTP error code (e.g., 403 Forbidden) and abort the WebSocket handshake described in this section.",
};

pub const SUBPROTOCOL: Clause = Clause {
    rfc: "RFC 6455 §4.2.2",
    words: "The value chosen MUST be derived from the client's handshake, specifically by selecting one of the values from the |Sec-WebSocket-Protocol| field that the server is willing to use for this connection (if any).",
};

pub const SUBPROTOCOL_LIST: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "The elements that comprise this value MUST be non-empty strings with characters in the range U+0021 to U+007E not including separator characters as defined in [RFC2616] and MUST all be unique strings.",
};

pub const EXTENSIONS: Clause = Clause {
    rfc: "RFC 6455 §4.2.2",
    words: "A (possibly empty) list representing the protocol-level extensions the server is ready to use.",
};

pub const EXTENSIONS_ABNF: Clause = Clause {
    rfc: "RFC 6455 §9.1",
    words: "If a value is received by either the client or the server during negotiation that does not conform to the ABNF below, the recipient of such malformed data MUST immediately _Fail the WebSocket Connection_.",
};

pub const EXTENSIONS_SPLIT: Clause = Clause {
    rfc: "RFC 6455 §9.1",
    words: "Note that like other HTTP header fields, this header field MAY be split or combined across multiple lines.",
};

/// Nothing says how a server answers this: the case is INFORMATIONAL.
pub const ROBUSTNESS: Clause = Clause {
    rfc: "RFC 6455 §10.7",
    words: "If, at any time, an endpoint is faced with data that it does not understand or that violates some criteria by which the endpoint determines safety of input, or when the endpoint sees an opening handshake that does not correspond to the values it is expecting (e.g., incorrect path or origin in the client request), the endpoint MAY drop the TCP connection.",
};

pub const CLIENT_WAITS: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "Once the client's opening handshake has been sent, the client MUST wait for a response from the server before sending any further data.",
};

// RFC 6455 §4.1: what a client does with the server's answer.

pub const NOT_101: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "If the status code received from the server is not 101, the client handles the response per HTTP [RFC2616] procedures.",
};

pub const ANSWER_UPGRADE: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "If the response lacks an |Upgrade| header field or the |Upgrade| header field contains a value that is not an ASCII case-insensitive match for the value \"websocket\", the client MUST _Fail the WebSocket Connection_.",
};

pub const ANSWER_CONNECTION: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "If the response lacks a |Connection| header field or the |Connection| header field doesn't contain a token that is an ASCII case-insensitive match for the value \"Upgrade\", the client MUST _Fail the WebSocket Connection_.",
};

pub const ANSWER_ACCEPT: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "If the response lacks a |Sec-WebSocket-Accept| header field or the |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the string \"258EAFA5-E914-47DA-95CA-C5AB0DC85B11\" but ignoring any leading and trailing whitespace, the client MUST _Fail the WebSocket Connection_.",
};

pub const ACCEPT_ONCE: Clause = Clause {
    rfc: "RFC 6455 §11.3.3",
    words: "The |Sec-WebSocket-Accept| header MUST NOT appear more than once in an HTTP response.",
};

pub const ANSWER_EXTENSION: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "If the response includes a |Sec-WebSocket-Extensions| header field and this header field indicates the use of an extension that was not present in the client's handshake (the server has indicated an extension not requested by the client), the client MUST _Fail the WebSocket Connection_.",
};

pub const ANSWER_SUBPROTOCOL: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "If the response includes a |Sec-WebSocket-Protocol| header field and this header field indicates the use of a subprotocol that was not present in the client's handshake (the server has indicated a subprotocol not requested by the client), the client MUST _Fail the WebSocket Connection_.",
};

pub const SUBPROTOCOL_ONCE: Clause = Clause {
    rfc: "RFC 6455 §11.3.4",
    words: "However, the |Sec-WebSocket-Protocol| header field MUST NOT appear more than once in an HTTP response.",
};

pub const SUBPROTOCOL_EMPTY: Clause = Clause {
    rfc: "RFC 6455 §4.2.2",
    words: "The empty string is not the same as the null value for these purposes and is not a legal value for this field.",
};

pub const ANSWER_CONFORMS: Clause = Clause {
    rfc: "RFC 6455 §4.1",
    words: "If the server's response does not conform to the requirements for the server's handshake as defined in this section and in Section 4.2.2, the client MUST _Fail the WebSocket Connection_.",
};

/// What the client's `Sec-WebSocket-Protocol` offer leaves to it when the
/// server picks none: nothing in RFC 6455 (INFORMATIONAL).
pub const NO_SUBPROTOCOL: Clause = Clause {
    rfc: "RFC 6455 §4.2.2",
    words: "If the client's handshake did not contain such a header field or if the server does not agree to any of the client's requested subprotocols, the only acceptable value is null.",
};

// RFC 7692: permessage-deflate.

pub const PMCE_DECLINE: Clause = Clause {
    rfc: "RFC 7692 §7",
    words: "A server MUST decline an extension negotiation offer for this extension if any of the following conditions are met: o The negotiation offer contains an extension parameter not defined for use in an offer. o The negotiation offer contains an extension parameter with an invalid value. o The negotiation offer contains multiple extension parameters with the same name. o The server doesn't support the offered configuration.",
};

pub const PMCE_CLIENT_FAILS: Clause = Clause {
    rfc: "RFC 7692 §7",
    words: "A client MUST _Fail the WebSocket Connection_ if the peer server accepted an extension negotiation offer for this extension with an extension negotiation response meeting any of the following conditions: o The negotiation response contains an extension parameter not defined for use in a response. o The negotiation response contains an extension parameter with an invalid value. o The negotiation response contains multiple extension parameters with the same name. o The client does not support the configuration that the response represents.",
};

pub const PMCE_ACCEPT: Clause = Clause {
    rfc: "RFC 7692 §5",
    words: "To accept the use of an offered PMCE, a server MUST include the extension name of the PMCE in the \"Sec-WebSocket-Extensions\" header field of its opening handshake of the WebSocket connection.",
};

pub const PMCE_PREFERENCE: Clause = Clause {
    rfc: "RFC 7692 §5",
    words: "The order of elements is important as it specifies the client's preference. An element preceding another element has higher preference. It is recommended that a server accepts PMCEs with higher preference if the server supports them.",
};

pub const PMCE_SNCT: Clause = Clause {
    rfc: "RFC 7692 §7.1.1.1",
    words: "A server accepts an extension negotiation offer that includes the \"server_no_context_takeover\" extension parameter by including the \"server_no_context_takeover\" extension parameter in the corresponding extension negotiation response to send back to the client. The \"server_no_context_takeover\" extension parameter in an extension negotiation response has no value. It is RECOMMENDED that a server supports the \"server_no_context_takeover\" extension parameter in an extension negotiation offer.",
};

pub const PMCE_SNCT_UNASKED: Clause = Clause {
    rfc: "RFC 7692 §7.1.1.1",
    words: "A server MAY include the \"server_no_context_takeover\" extension parameter in an extension negotiation response even if the extension negotiation offer being accepted by the extension negotiation response didn't include the \"server_no_context_takeover\" extension parameter.",
};

pub const PMCE_CNCT: Clause = Clause {
    rfc: "RFC 7692 §7.1.1.2",
    words: "A client MUST support the \"client_no_context_takeover\" extension parameter in an extension negotiation response.",
};

pub const PMCE_SMWB: Clause = Clause {
    rfc: "RFC 7692 §7.1.2.1",
    words: "A server accepts an extension negotiation offer with this parameter by including the \"server_max_window_bits\" extension parameter in the extension negotiation response to send back to the client with the same or smaller value as the offer.",
};

pub const PMCE_SMWB_VALUE: Clause = Clause {
    rfc: "RFC 7692 §7.1.2.1",
    words: "This parameter has a decimal integer value without leading zeroes between 8 to 15, inclusive, indicating the base-2 logarithm of the LZ77 sliding window size, and MUST conform to the ABNF below.",
};

pub const PMCE_SMWB_UNASKED: Clause = Clause {
    rfc: "RFC 7692 §7.1.2.1",
    words: "A server MAY include the \"server_max_window_bits\" extension parameter in an extension negotiation response even if the extension negotiation offer being accepted by the response didn't include the \"server_max_window_bits\" extension parameter.",
};

pub const PMCE_CMWB: Clause = Clause {
    rfc: "RFC 7692 §7.1.2.2",
    words: "If the \"client_max_window_bits\" extension parameter in a received extension negotiation offer has a value, the server may either ignore this value or use this value to avoid allocating an unnecessarily big LZ77 sliding window by including the \"client_max_window_bits\" extension parameter in the corresponding extension negotiation response to the offer with a value equal to or smaller than the received value.",
};

pub const PMCE_CMWB_UNASKED: Clause = Clause {
    rfc: "RFC 7692 §7.1.2.2",
    words: "If a received extension negotiation offer doesn't have the \"client_max_window_bits\" extension parameter, the corresponding extension negotiation response to the offer MUST NOT include the \"client_max_window_bits\" extension parameter.",
};

pub const PMCE_CMWB_VALUE: Clause = Clause {
    rfc: "RFC 7692 §7.1.2.2",
    words: "The \"client_max_window_bits\" extension parameter in an extension negotiation response has a decimal integer value without leading zeroes between 8 to 15 inclusive indicating the base-2 logarithm of the LZ77 sliding window size and MUST conform to the ABNF below.",
};

// RFC 7230 and RFC 7231: HTTP/1.1, where it bears on the handshake.

pub const WHITESPACE_BEFORE_COLON: Clause = Clause {
    rfc: "RFC 7230 §3.2.4",
    words: "A server MUST reject any received request message that contains whitespace between a header field-name and colon with a response code of 400 (Bad Request).",
};

pub const OWS: Clause = Clause {
    rfc: "RFC 7230 §3.2.4",
    words: "The field value does not include any leading or trailing whitespace: OWS occurring before the first non-whitespace octet of the field value or after the last non-whitespace octet of the field value ought to be excluded by parsers when extracting the field value from a header field.",
};

pub const OBS_FOLD_REQUEST: Clause = Clause {
    rfc: "RFC 7230 §3.2.4",
    words: "A server that receives an obs-fold in a request message that is not within a message/http container MUST either reject the message by sending a 400 (Bad Request), preferably with a representation explaining that obsolete line folding is unacceptable, or replace each received obs-fold with one or more SP octets prior to interpreting the field value or forwarding the message downstream.",
};

pub const OBS_FOLD_RESPONSE: Clause = Clause {
    rfc: "RFC 7230 §3.2.4",
    words: "A user agent that receives an obs-fold in a response message that is not within a message/http container MUST replace each received obs-fold with one or more SP octets prior to interpreting the field value.",
};

pub const ABSOLUTE_FORM: Clause = Clause {
    rfc: "RFC 7230 §5.3.2",
    words: "To allow for transition to the absolute-form for all requests in some future version of HTTP, a server MUST accept the absolute-form in requests, even though HTTP/1.1 clients will only send them in requests to proxies.",
};

pub const ONE_HOST: Clause = Clause {
    rfc: "RFC 7230 §5.4",
    words: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message that lacks a Host header field and to any request message that contains more than one Host header field or a Host header field with an invalid field-value.",
};

pub const METHOD_CASE: Clause = Clause {
    rfc: "RFC 7230 §3.1.1",
    words: "The request method is case-sensitive.",
};

pub const COMBINED_FIELDS: Clause = Clause {
    rfc: "RFC 7230 §3.2.2",
    words: "A recipient MAY combine multiple header fields with the same field name into one \"field-name: field-value\" pair, without changing the semantics of the message, by appending each subsequent field value to the combined field value in order, separated by a comma.",
};

pub const UPGRADE_CHOICE: Clause = Clause {
    rfc: "RFC 7230 §6.7",
    words: "A server MUST NOT switch to a protocol that was not indicated by the client in the corresponding request's Upgrade header field. A server MAY choose to ignore the order of preference indicated by the client and select the new protocol(s) based on other factors, such as the nature of the request or the current load on the server.",
};

pub const INTERIM: Clause = Clause {
    rfc: "RFC 7231 §6.2",
    words: "A client MUST be able to parse one or more 1xx responses received prior to a final response, even if the client does not expect one.",
};

/// Every clause, for the test that finds each in its RFC.
pub const ALL: &[Clause] = &[
    REFUSE,
    GET_11,
    HOST,
    UPGRADE,
    CONNECTION,
    KEY,
    KEY_ONCE,
    VERSION_13,
    VERSION_ONCE,
    VERSION,
    ACCEPT,
    HEADER_NAMES,
    UNKNOWN_HEADERS,
    ORIGIN,
    SUBPROTOCOL,
    SUBPROTOCOL_LIST,
    EXTENSIONS,
    EXTENSIONS_ABNF,
    EXTENSIONS_SPLIT,
    ROBUSTNESS,
    CLIENT_WAITS,
    NOT_101,
    ANSWER_UPGRADE,
    ANSWER_CONNECTION,
    ANSWER_ACCEPT,
    ACCEPT_ONCE,
    ANSWER_EXTENSION,
    ANSWER_SUBPROTOCOL,
    SUBPROTOCOL_ONCE,
    SUBPROTOCOL_EMPTY,
    ANSWER_CONFORMS,
    NO_SUBPROTOCOL,
    PMCE_DECLINE,
    PMCE_CLIENT_FAILS,
    PMCE_ACCEPT,
    PMCE_PREFERENCE,
    PMCE_SNCT,
    PMCE_SNCT_UNASKED,
    PMCE_CNCT,
    PMCE_SMWB,
    PMCE_SMWB_VALUE,
    PMCE_SMWB_UNASKED,
    PMCE_CMWB,
    PMCE_CMWB_UNASKED,
    PMCE_CMWB_VALUE,
    WHITESPACE_BEFORE_COLON,
    OWS,
    OBS_FOLD_REQUEST,
    OBS_FOLD_RESPONSE,
    ABSOLUTE_FORM,
    ONE_HOST,
    METHOD_CASE,
    COMBINED_FIELDS,
    UPGRADE_CHOICE,
    INTERIM,
];
