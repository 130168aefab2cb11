/* Generated from lab-config.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * Who issues the reports signed with these keys (ISO/IEC 17025 §7.8.2.1 b, o): the laboratory, its accreditation, the authorised signatory and the signing certificate; and the RFC 3161 time-stamping authority the PDF signature asks, when there is one.
 */
export interface DnsconformLaboratoryConfigurationLabYamlBesideTheSigningKeys {
  labConfigVersion: 1;
  laboratory: {
    name: string;
    /**
     * Postal address of the laboratory.
     */
    address: string;
    accreditation?: {
      /**
       * The accreditation body (DAkkS, UKAS, COFRAC...).
       */
      body: string;
      /**
       * The accreditation number.
       */
      number: string;
    };
  };
  signatory: {
    name: string;
    /**
     * The signatory's function in the laboratory (Head of laboratory).
     */
    function: string;
  };
  /**
   * The PDF signing certificate (PEM), relative to lab.yaml; default lab-pdf.cert.pem. Must be the certificate of lab-pdf.p12.
   */
  signingCertificate?: string;
  tsa?: {
    /**
     * The RFC 3161 time-stamping authority (HTTP POST of a TimeStampReq).
     */
    url: string;
  };
}
