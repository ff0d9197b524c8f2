// The content each message type the kernel handles must have (Jupyter
// messaging spec 5.4), checked as data before any handler reads it: a field
// of the wrong type is a clear error reply, never a handler running on
// something else (an execute_request whose code is 123 must not run an empty cell).

type FieldType = "string" | "boolean" | "integer" | "object" | "string-record";

interface FieldSpec {
  readonly type: FieldType;
  readonly required?: boolean;
  /** Allowed values, for strings. */
  readonly oneOf?: readonly string[];
}

const CONTENT: Readonly<Record<string, Readonly<Record<string, FieldSpec>>>> = {
  execute_request: {
    code: { type: "string", required: true },
    silent: { type: "boolean" },
    store_history: { type: "boolean" },
    user_expressions: { type: "string-record" },
    allow_stdin: { type: "boolean" },
    stop_on_error: { type: "boolean" },
  },
  complete_request: { code: { type: "string", required: true }, cursor_pos: { type: "integer" } },
  inspect_request: { code: { type: "string", required: true }, cursor_pos: { type: "integer" }, detail_level: { type: "integer" } },
  is_complete_request: { code: { type: "string", required: true } },
  history_request: {
    output: { type: "boolean" },
    raw: { type: "boolean" },
    hist_access_type: { type: "string", oneOf: ["range", "tail", "search"] },
    session: { type: "integer" },
    start: { type: "integer" },
    stop: { type: "integer" },
    n: { type: "integer" },
    pattern: { type: "string" },
    unique: { type: "boolean" },
  },
  comm_info_request: { target_name: { type: "string" } },
  kernel_info_request: {},
  interrupt_request: {},
  shutdown_request: { restart: { type: "boolean" } },
  comm_open: { comm_id: { type: "string", required: true }, target_name: { type: "string", required: true }, data: { type: "object" } },
  comm_msg: { comm_id: { type: "string", required: true }, data: { type: "object" } },
  comm_close: { comm_id: { type: "string", required: true }, data: { type: "object" } },
  input_reply: { value: { type: "string", required: true } },
};

/** Whether the kernel knows `msgType` (an own key: `constructor` or `toString` are not message types). */
export function isKnownMessageType(msgType: string): boolean {
  return Object.hasOwn(CONTENT, msgType);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (Number.isInteger(value)) return `the integer ${value}`;
  return typeof value === "string" ? "a string" : typeof value === "object" ? "an object" : typeof value;
}

function fits(value: unknown, spec: FieldSpec): boolean {
  switch (spec.type) {
    case "string":
      return typeof value === "string" && (!spec.oneOf || spec.oneOf.includes(value));
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return Number.isSafeInteger(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    case "string-record":
      return value !== null && typeof value === "object" && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");
  }
}

const EXPECTED: Record<FieldType, string> = {
  string: "a string",
  boolean: "true or false",
  integer: "an integer",
  object: "an object",
  "string-record": "an object of strings",
};

/**
 * What is wrong with the content of a `msgType` message, or undefined when
 * it fits the spec (unknown fields are allowed, as the spec asks). Optional
 * fields may also be null, which some clients send for "not given".
 */
export function contentProblem(msgType: string, content: Record<string, unknown>): string | undefined {
  if (!isKnownMessageType(msgType)) return undefined;
  for (const [name, spec] of Object.entries(CONTENT[msgType]!)) {
    const value = content[name];
    if (value === undefined || (value === null && !spec.required)) {
      if (spec.required) return `${msgType}: content.${name} is required (${EXPECTED[spec.type]})`;
      continue;
    }
    if (!fits(value, spec)) {
      const expected = spec.oneOf ? `one of ${spec.oneOf.map((v) => JSON.stringify(v)).join(", ")}` : EXPECTED[spec.type];
      return `${msgType}: content.${name} must be ${expected}, got ${typeName(value)}`;
    }
  }
  return undefined;
}
