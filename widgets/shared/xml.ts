/** `s` safe as XML/HTML text or a quoted attribute value. */
export const escapeXml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
