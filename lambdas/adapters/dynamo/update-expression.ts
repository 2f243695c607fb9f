/**
 * A small builder for DynamoDB update and condition expressions: every attribute name and value goes
 * through a placeholder, so reserved words (`text`, `status`, …) and user content are always safe.
 */
export class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private readonly adds: string[] = [];
  private readonly placeholders = new Map<string, string>();
  private counter = 0;

  /** A placeholder path for a (possibly dotted) attribute path. */
  path(path: string): string {
    return path
      .split(".")
      .map((part) => {
        let placeholder = this.placeholders.get(part);
        if (placeholder === undefined) {
          placeholder = `#n${this.placeholders.size}`;
          this.placeholders.set(part, placeholder);
          this.names[placeholder] = part;
        }
        return placeholder;
      })
      .join(".");
  }

  /** A placeholder for a value. */
  value(value: unknown): string {
    this.counter += 1;
    const placeholder = `:v${this.counter}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(path: string, value: unknown): this {
    if (value !== undefined) this.sets.push(`${this.path(path)} = ${this.value(value)}`);
    return this;
  }

  setIfNotExists(path: string, value: unknown): this {
    if (value !== undefined) {
      const p = this.path(path);
      this.sets.push(`${p} = if_not_exists(${p}, ${this.value(value)})`);
    }
    return this;
  }

  remove(path: string): this {
    this.removes.push(this.path(path));
    return this;
  }

  add(path: string, amount: number): this {
    this.adds.push(`${this.path(path)} ${this.value(amount)}`);
    return this;
  }

  expression(): string {
    return [
      this.sets.length > 0 ? `SET ${this.sets.join(", ")}` : "",
      this.removes.length > 0 ? `REMOVE ${this.removes.join(", ")}` : "",
      this.adds.length > 0 ? `ADD ${this.adds.join(", ")}` : "",
    ]
      .filter((part) => part !== "")
      .join(" ");
  }

  /** The placeholders in the shape UpdateItem wants (no empty maps: DynamoDB rejects them). */
  attributes(): {
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, unknown>;
  } {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: this.names } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: this.values } : {}),
    };
  }
}

/** Joins condition clauses with AND, each in parentheses; undefined when there are none. */
export function allOf(...clauses: readonly (string | undefined)[]): string | undefined {
  const present = clauses.filter((clause): clause is string => clause !== undefined && clause !== "");
  return present.length === 0 ? undefined : present.map((clause) => `(${clause})`).join(" AND ");
}

/** An update with its condition, for a TransactWriteItem or an UpdateCommand. */
export function updateInput(
  key: Record<string, string>,
  builder: UpdateBuilder,
  condition: string | undefined,
) {
  return {
    Key: key,
    UpdateExpression: builder.expression(),
    ...(condition === undefined ? {} : { ConditionExpression: condition }),
    ...builder.attributes(),
  };
}
