/* Generated from mud.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "uint8".
 */
export type Uint8 = number;
/**
 * yang:date-and-time
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "date-and-time".
 */
export type DateAndTime = string;
/**
 * inet:uri
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "uri".
 */
export type Uri = string;
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "acl-name".
 */
export type AclName = string;
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "uint16".
 */
export type Uint16 = number;
/**
 * inet:ipv4-prefix
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "ipv4-prefix".
 */
export type Ipv4Prefix = string;
/**
 * inet:host as a domain-name (ietf-acldns uses it for src-dnsname and dst-dnsname)
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "host".
 */
export type Host = string;
/**
 * inet:ipv6-prefix (shape only)
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "ipv6-prefix".
 */
export type Ipv6Prefix = string;
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "uint32".
 */
export type Uint32 = number;
/**
 * ietf-packet-fields grouping port-range-or-operator: choice port-range-or-operator { case range { lower-port, upper-port } case operator { operator (default eq), port } }.
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "port-range-or-operator".
 */
export type PortRangeOrOperator =
  | {
      "lower-port": Uint16;
      "upper-port": Uint16;
    }
  | {
      operator?: "lte" | "gte" | "eq" | "neq";
      port: Uint16;
    };
/**
 * YANG type 'empty' in RFC 7951 JSON: [null].
 *
 * @minItems 1
 * @maxItems 1
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "empty".
 */
export type Empty = null[];

/**
 * Derived by hand from the YANG modules ietf-mud@2019-01-28 and ietf-acldns@2019-01-28 (RFC 8520 §8, §11), ietf-access-control-list@2019-03-04 and ietf-packet-fields (RFC 8519), with the types of ietf-inet-types and ietf-yang-types (RFC 6991). YANG uint ranges become minimum/maximum, string lengths minLength/maxLength, identityrefs enums of the identity names (bare or module-qualified, RFC 7951 §6.8), 'empty' leaves [null], choices oneOf/not. Leafrefs (a policy naming an ACL that exists) cannot be said in JSON Schema: lib/allowlist/mud.ts checks them.
 */
export interface MUDFileRFC8520JSONEncodingRFC7951 {
  "ietf-mud:mud": Mud;
  "ietf-access-control-list:acls": Acls;
}
/**
 * container ietf-mud:mud.
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "mud".
 */
export interface Mud {
  "mud-version": Uint8;
  /**
   * inet:uri; RFC 8520 §3.3: the MUD URL MUST use the https scheme.
   */
  "mud-url": string;
  "last-update": DateAndTime;
  "mud-signature"?: Uri;
  "cache-validity"?: number;
  "is-supported": boolean;
  systeminfo?: string;
  "mfg-name"?: string;
  "model-name"?: string;
  "firmware-rev"?: string;
  "software-rev"?: string;
  documentation?: Uri;
  extensions?: string[];
  "from-device-policy"?: Policy;
  "to-device-policy"?: Policy;
}
/**
 * ietf-mud grouping mud-grouping: from-device-policy / to-device-policy.
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "policy".
 */
export interface Policy {
  "access-lists"?: {
    /**
     * list access-list, key name; name is a leafref to /acl:acls/acl:acl/acl:name.
     */
    "access-list"?: {
      name: AclName;
    }[];
  };
}
/**
 * container ietf-access-control-list:acls.
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "acls".
 */
export interface Acls {
  acl?: Acl[];
}
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "acl".
 */
export interface Acl {
  name: AclName;
  type?:
    | "ipv4-acl-type"
    | "ipv6-acl-type"
    | "eth-acl-type"
    | "mixed-eth-ipv4-acl-type"
    | "mixed-eth-ipv6-acl-type"
    | "mixed-eth-ipv4-ipv6-acl-type"
    | "ietf-access-control-list:ipv4-acl-type"
    | "ietf-access-control-list:ipv6-acl-type"
    | "ietf-access-control-list:eth-acl-type"
    | "ietf-access-control-list:mixed-eth-ipv4-acl-type"
    | "ietf-access-control-list:mixed-eth-ipv6-acl-type"
    | "ietf-access-control-list:mixed-eth-ipv4-ipv6-acl-type";
  aces?: {
    ace?: Ace[];
  };
}
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "ace".
 */
export interface Ace {
  name: string;
  matches?: Matches;
  actions: {
    forwarding:
      | "accept"
      | "drop"
      | "reject"
      | "ietf-access-control-list:accept"
      | "ietf-access-control-list:drop"
      | "ietf-access-control-list:reject";
    logging?: "log-none" | "log-syslog" | "ietf-access-control-list:log-none" | "ietf-access-control-list:log-syslog";
  };
}
/**
 * container matches: choice l2 (eth), choice l3 (ipv4 | ipv6), choice l4 (tcp | udp | icmp), augmented by ietf-mud with container mud.
 *
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "matches".
 */
export interface Matches {
  eth?: {};
  ipv4?: Ipv4;
  ipv6?: Ipv6;
  tcp?: Tcp;
  udp?: Udp;
  icmp?: {
    type?: Uint8;
    code?: Uint8;
    "rest-of-header"?: string;
  };
  "egress-interface"?: string;
  "ingress-interface"?: string;
  "ietf-mud:mud"?: {
    manufacturer?: Host;
    "same-manufacturer"?: Empty;
    model?: Uri;
    "local-networks"?: Empty;
    controller?: Uri;
    "my-controller"?: Empty;
  };
}
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "ipv4".
 */
export interface Ipv4 {
  dscp?: number;
  ecn?: number;
  length?: Uint16;
  ttl?: Uint8;
  protocol?: Uint8;
  ihl?: number;
  flags?: string;
  offset?: number;
  identification?: Uint16;
  "destination-ipv4-network"?: Ipv4Prefix;
  "source-ipv4-network"?: Ipv4Prefix;
  "ietf-acldns:src-dnsname"?: Host;
  "ietf-acldns:dst-dnsname"?: Host;
}
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "ipv6".
 */
export interface Ipv6 {
  dscp?: number;
  ecn?: number;
  length?: Uint16;
  ttl?: Uint8;
  protocol?: Uint8;
  "destination-ipv6-network"?: Ipv6Prefix;
  "source-ipv6-network"?: Ipv6Prefix;
  "flow-label"?: number;
  "ietf-acldns:src-dnsname"?: Host;
  "ietf-acldns:dst-dnsname"?: Host;
}
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "tcp".
 */
export interface Tcp {
  "sequence-number"?: Uint32;
  "acknowledgement-number"?: Uint32;
  "data-offset"?: number;
  reserved?: number;
  flags?: string;
  "window-size"?: Uint16;
  "urgent-pointer"?: Uint16;
  options?: string;
  "source-port"?: PortRangeOrOperator;
  "destination-port"?: PortRangeOrOperator;
  "ietf-mud:direction-initiated"?: "from-device" | "to-device";
}
/**
 * This interface was referenced by `MUDFileRFC8520JSONEncodingRFC7951`'s JSON-Schema
 * via the `definition` "udp".
 */
export interface Udp {
  length?: Uint16;
  "source-port"?: PortRangeOrOperator;
  "destination-port"?: PortRangeOrOperator;
}
