//! Lexer, parser and AST of executable GraphQL documents.
//!
//! This is hand-written, not delegated to `graphql-parser`, for byte-for-byte fidelity with
//! graphql-php's `Lexer` and `Parser`: the same token descriptions (`Expected Name, found <EOF>`),
//! the same lexer messages (`Cannot parse the unexpected character "?".`, `Unterminated string.`)
//! and the same error positions. It also keeps a location on every node (arguments and values
//! included), which the validation messages need and `graphql-parser` does not record.
//! Columns count characters, not bytes, like graphql-php.

use super::schema::TypeRef;
use super::{GraphqlError, Location};

/// A parsed executable document.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub definitions: Vec<Definition>,
    /// The validation result against one schema (its id), when it did not depend on the
    /// request's variables: a cached document repeated by a frontend is validated once.
    pub(crate) validated: std::sync::OnceLock<(u64, Option<GraphqlError>)>,
    /// The schema types of the variables of the document's one operation, by its variable
    /// definitions, against one schema (its id): what execution coerces each variable's value
    /// to, worked out once per cached document rather than on every request.
    pub(crate) variable_types: std::sync::OnceLock<(u64, Vec<Option<TypeRef>>)>,
}

#[derive(Debug, Clone)]
pub(crate) enum Definition {
    Operation(Operation),
    Fragment(FragmentDef),
    /// A type-system definition (SDL) in a query document: valid syntax, never executable.
    TypeSystem {
        name: String,
        loc: Location,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Query,
    Mutation,
    Subscription,
}

#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub value: String,
    pub loc: Location,
}

#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub kind: OpKind,
    pub name: Option<Name>,
    pub loc: Location,
    pub var_defs: Vec<VarDef>,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
}

#[derive(Debug, Clone)]
pub(crate) struct VarDef {
    pub loc: Location,
    /// The variable name without `$`; its location is the `$`'s.
    pub name: Name,
    pub ty: TypeNode,
    pub default: Option<ValueNode>,
}

#[derive(Debug, Clone)]
pub(crate) enum TypeNode {
    Named(Name),
    List(Box<TypeNode>, Location),
    NonNull(Box<TypeNode>, Location),
}

impl TypeNode {
    pub(crate) fn named(&self) -> &Name {
        match self {
            TypeNode::Named(n) => n,
            TypeNode::List(t, _) | TypeNode::NonNull(t, _) => t.named(),
        }
    }
}

impl std::fmt::Display for TypeNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeNode::Named(n) => write!(f, "{}", n.value),
            TypeNode::List(t, _) => write!(f, "[{t}]"),
            TypeNode::NonNull(t, _) => write!(f, "{t}!"),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FragmentDef {
    pub loc: Location,
    pub name: Name,
    pub type_condition: Name,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
}

#[derive(Debug, Clone)]
pub(crate) struct SelectionSet {
    pub loc: Location,
    pub items: Vec<Selection>,
}

#[derive(Debug, Clone)]
pub(crate) enum Selection {
    Field(Field),
    Spread(FragmentSpread),
    Inline(InlineFragment),
}

#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub loc: Location,
    pub alias: Option<Name>,
    pub name: Name,
    pub args: Vec<Argument>,
    pub directives: Vec<Directive>,
    pub selection_set: Option<SelectionSet>,
}

impl Field {
    pub(crate) fn response_key(&self) -> &str {
        self.alias.as_ref().unwrap_or(&self.name).value.as_str()
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FragmentSpread {
    pub loc: Location,
    pub name: Name,
    pub directives: Vec<Directive>,
}

#[derive(Debug, Clone)]
pub(crate) struct InlineFragment {
    pub loc: Location,
    pub type_condition: Option<Name>,
    pub directives: Vec<Directive>,
    pub selection_set: SelectionSet,
}

#[derive(Debug, Clone)]
pub(crate) struct Argument {
    pub loc: Location,
    pub name: Name,
    pub value: ValueNode,
}

#[derive(Debug, Clone)]
pub(crate) struct Directive {
    pub loc: Location,
    pub name: Name,
    pub args: Vec<Argument>,
}

#[derive(Debug, Clone)]
pub(crate) struct ValueNode {
    pub loc: Location,
    pub kind: ValueKind,
}

#[derive(Debug, Clone)]
pub(crate) enum ValueKind {
    Variable(String),
    Int(String),
    Float(String),
    String { value: String, block: bool },
    Boolean(bool),
    Null,
    Enum(String),
    List(Vec<ValueNode>),
    Object(Vec<ObjectField>),
}

#[derive(Debug, Clone)]
pub(crate) struct ObjectField {
    pub loc: Location,
    pub name: Name,
    pub value: ValueNode,
}

impl ValueNode {
    /// graphql-php's `Printer::doPrint` of a value literal.
    pub(crate) fn print(&self) -> String {
        match &self.kind {
            ValueKind::Variable(n) => format!("${n}"),
            ValueKind::Int(s) | ValueKind::Float(s) | ValueKind::Enum(s) => s.clone(),
            ValueKind::String { value, block } => {
                if *block {
                    print_block_string(value)
                } else {
                    super::values::php_json_encode(&serde_json::Value::String(value.clone()))
                }
            }
            ValueKind::Boolean(b) => b.to_string(),
            ValueKind::Null => "null".into(),
            ValueKind::List(items) => {
                format!(
                    "[{}]",
                    items.iter().map(|v| v.print()).collect::<Vec<_>>().join(", ")
                )
            }
            ValueKind::Object(fields) => format!(
                "{{{}}}",
                fields
                    .iter()
                    .map(|f| format!("{}: {}", f.name.value, f.value.print()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

fn print_block_string(value: &str) -> String {
    let escaped = value.replace("\"\"\"", "\\\"\"\"");
    if value.contains('\n') || value.starts_with(' ') || value.starts_with('\t') {
        format!("\"\"\"\n{escaped}\n\"\"\"")
    } else {
        format!("\"\"\"{escaped}\"\"\"")
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sof,
    Eof,
    Bang,
    Dollar,
    Amp,
    ParenL,
    ParenR,
    Spread,
    Colon,
    Equals,
    At,
    BracketL,
    BracketR,
    BraceL,
    Pipe,
    BraceR,
    Name,
    Int,
    Float,
    String,
    BlockString,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Sof => "<SOF>",
            Kind::Eof => "<EOF>",
            Kind::Bang => "!",
            Kind::Dollar => "$",
            Kind::Amp => "&",
            Kind::ParenL => "(",
            Kind::ParenR => ")",
            Kind::Spread => "...",
            Kind::Colon => ":",
            Kind::Equals => "=",
            Kind::At => "@",
            Kind::BracketL => "[",
            Kind::BracketR => "]",
            Kind::BraceL => "{",
            Kind::Pipe => "|",
            Kind::BraceR => "}",
            Kind::Name => "Name",
            Kind::Int => "Int",
            Kind::Float => "Float",
            Kind::String => "String",
            Kind::BlockString => "BlockString",
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    start: usize,
    loc: Location,
    value: Option<String>,
}

impl Token {
    fn description(&self) -> String {
        match &self.value {
            Some(v) => format!("{} \"{}\"", self.kind.as_str(), v),
            None => self.kind.as_str().to_string(),
        }
    }
}

/// A syntax error before it is turned into a located [`GraphqlError`].
struct SyntaxError {
    position: usize,
    description: String,
}

type PResult<T> = Result<T, SyntaxError>;

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    line_start: usize,
}

/// `Utils::printCharCode`: JSON for ASCII, `"\uXX"` (lower-case hex, unpadded) otherwise.
fn print_char_code(c: Option<char>) -> String {
    match c {
        None => "<EOF>".into(),
        Some(c) if (c as u32) < 0x7f => {
            super::values::php_json_encode(&serde_json::Value::String(c.to_string()))
        }
        Some(c) => format!("\"\\u{:x}\"", c as u32),
    }
}

impl Lexer {
    fn new(src: &str) -> Self {
        Lexer {
            chars: src.chars().collect(),
            pos: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn peek_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }

    fn err<T>(&self, position: usize, description: impl Into<String>) -> PResult<T> {
        Err(SyntaxError {
            position,
            description: description.into(),
        })
    }

    /// The next non-comment token.
    fn next_token(&mut self) -> PResult<Token> {
        loop {
            self.skip_whitespace();
            if self.peek_at(self.pos) == Some('#') {
                while let Some(c) = self.peek_at(self.pos) {
                    if c == '\n' || c == '\r' || ((c as u32) < 0x20 && c != '\t') {
                        break;
                    }
                    self.pos += 1;
                }
                continue;
            }
            return self.read_token();
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(c) = self.peek_at(self.pos) {
            match c {
                '\t' | ' ' | ',' | '\u{feff}' => self.pos += 1,
                '\n' => {
                    self.pos += 1;
                    self.line += 1;
                    self.line_start = self.pos;
                }
                '\r' => {
                    self.pos += 1;
                    if self.peek_at(self.pos) == Some('\n') {
                        self.pos += 1;
                    }
                    self.line += 1;
                    self.line_start = self.pos;
                }
                _ => break,
            }
        }
    }

    fn read_token(&mut self) -> PResult<Token> {
        let start = self.pos;
        let loc = Location {
            line: self.line,
            column: 1 + start - self.line_start,
        };
        let tok = |kind, value| Token {
            kind,
            start,
            loc,
            value,
        };
        let Some(c) = self.peek_at(start) else {
            return Ok(tok(Kind::Eof, None));
        };
        let punct = match c {
            '!' => Some(Kind::Bang),
            '$' => Some(Kind::Dollar),
            '&' => Some(Kind::Amp),
            '(' => Some(Kind::ParenL),
            ')' => Some(Kind::ParenR),
            ':' => Some(Kind::Colon),
            '=' => Some(Kind::Equals),
            '@' => Some(Kind::At),
            '[' => Some(Kind::BracketL),
            ']' => Some(Kind::BracketR),
            '{' => Some(Kind::BraceL),
            '|' => Some(Kind::Pipe),
            '}' => Some(Kind::BraceR),
            _ => None,
        };
        if let Some(kind) = punct {
            self.pos += 1;
            return Ok(tok(kind, None));
        }
        match c {
            '.' if self.peek_at(start + 1) == Some('.') && self.peek_at(start + 2) == Some('.') => {
                self.pos += 3;
                return Ok(tok(Kind::Spread, None));
            }
            'A'..='Z' | 'a'..='z' | '_' => {
                while let Some(c) = self.peek_at(self.pos) {
                    if c == '_' || c.is_ascii_alphanumeric() {
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                let value: String = self.chars[start..self.pos].iter().collect();
                return Ok(tok(Kind::Name, Some(value)));
            }
            '-' | '0'..='9' => return self.read_number(start, loc),
            '"' => {
                if self.peek_at(start + 1) == Some('"') && self.peek_at(start + 2) == Some('"') {
                    return self.read_block_string(start, loc);
                }
                return self.read_string(start, loc);
            }
            _ => {}
        }
        let code = c as u32;
        let msg = if code < 0x20 && c != '\t' && c != '\n' && c != '\r' {
            format!(
                "Cannot contain the invalid character {}",
                print_char_code(Some(c))
            )
        } else if c == '\'' {
            "Unexpected single quote character ('), did you mean to use a double quote (\")?".to_string()
        } else {
            format!(
                "Cannot parse the unexpected character {}.",
                print_char_code(Some(c))
            )
        };
        self.err(start, msg)
    }

    fn read_digits(&mut self) -> PResult<()> {
        match self.peek_at(self.pos) {
            Some(c) if c.is_ascii_digit() => {
                while matches!(self.peek_at(self.pos), Some(c) if c.is_ascii_digit()) {
                    self.pos += 1;
                }
                Ok(())
            }
            other => self.err(
                self.pos,
                format!(
                    "Invalid number, expected digit but got: {}",
                    print_char_code(other)
                ),
            ),
        }
    }

    fn read_number(&mut self, start: usize, loc: Location) -> PResult<Token> {
        let mut is_float = false;
        if self.peek_at(self.pos) == Some('-') {
            self.pos += 1;
        }
        if self.peek_at(self.pos) == Some('0') {
            self.pos += 1;
            if let Some(c) = self.peek_at(self.pos).filter(|c| c.is_ascii_digit()) {
                return self.err(
                    self.pos,
                    format!(
                        "Invalid number, unexpected digit after 0: {}",
                        print_char_code(Some(c))
                    ),
                );
            }
        } else {
            self.read_digits()?;
        }
        if self.peek_at(self.pos) == Some('.') {
            is_float = true;
            self.pos += 1;
            self.read_digits()?;
        }
        if matches!(self.peek_at(self.pos), Some('e' | 'E')) {
            is_float = true;
            self.pos += 1;
            if matches!(self.peek_at(self.pos), Some('+' | '-')) {
                self.pos += 1;
            }
            self.read_digits()?;
        }
        let value: String = self.chars[start..self.pos].iter().collect();
        Ok(Token {
            kind: if is_float { Kind::Float } else { Kind::Int },
            start,
            loc,
            value: Some(value),
        })
    }

    fn read_string(&mut self, start: usize, loc: Location) -> PResult<Token> {
        self.pos += 1;
        let mut value = String::new();
        while let Some(c) = self.peek_at(self.pos) {
            if c == '\n' || c == '\r' {
                break;
            }
            if c == '"' {
                self.pos += 1;
                return Ok(Token {
                    kind: Kind::String,
                    start,
                    loc,
                    value: Some(value),
                });
            }
            if (c as u32) < 0x20 && c != '\t' {
                return self.err(
                    self.pos,
                    format!("Invalid character within String: {}", print_char_code(Some(c))),
                );
            }
            self.pos += 1;
            if c == '\\' {
                let Some(e) = self.peek_at(self.pos) else {
                    continue; // EOF: reported as an unterminated string below
                };
                self.pos += 1;
                match e {
                    '"' => value.push('"'),
                    '/' => value.push('/'),
                    '\\' => value.push('\\'),
                    'b' => value.push('\u{8}'),
                    'f' => value.push('\u{c}'),
                    'n' => value.push('\n'),
                    'r' => value.push('\r'),
                    't' => value.push('\t'),
                    'u' => {
                        let p = self.pos;
                        let hex: String = self.chars[p..(p + 4).min(self.chars.len())].iter().collect();
                        self.pos = (p + 4).min(self.chars.len());
                        let code = if hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()) {
                            u32::from_str_radix(&hex, 16).ok()
                        } else {
                            None
                        };
                        let Some(code) = code else {
                            return self.err(p - 1, format!("Invalid character escape sequence: \\u{hex}"));
                        };
                        if (0xD800..=0xDFFF).contains(&code) {
                            let cont: String = self.chars[self.pos..(self.pos + 6).min(self.chars.len())]
                                .iter()
                                .collect();
                            let low = cont
                                .strip_prefix("\\u")
                                .filter(|h| h.len() == 4 && h.chars().all(|c| c.is_ascii_hexdigit()))
                                .and_then(|h| u32::from_str_radix(h, 16).ok());
                            self.pos = (self.pos + 6).min(self.chars.len());
                            let Some(low) = low else {
                                return self.err(
                                    self.pos.saturating_sub(5),
                                    format!("Invalid UTF-16 trailing surrogate: {cont}"),
                                );
                            };
                            let combined =
                                0x10000 + ((code.wrapping_sub(0xD800)) << 10) + low.wrapping_sub(0xDC00);
                            value.push(char::from_u32(combined).unwrap_or('\u{fffd}'));
                        } else {
                            let ch = char::from_u32(code).unwrap_or('\u{fffd}');
                            if code < 0x20 && code != 9 {
                                return self.err(
                                    p - 2,
                                    format!("Invalid character within String: {}", print_char_code(Some(ch))),
                                );
                            }
                            value.push(ch);
                        }
                    }
                    other => {
                        return self.err(
                            self.pos - 1,
                            format!("Invalid character escape sequence: \\{other}"),
                        );
                    }
                }
            } else {
                value.push(c);
            }
        }
        self.err(self.pos, "Unterminated string.")
    }

    fn read_block_string(&mut self, start: usize, loc: Location) -> PResult<Token> {
        self.pos += 3;
        let mut raw = String::new();
        while let Some(c) = self.peek_at(self.pos) {
            if c == '"' && self.peek_at(self.pos + 1) == Some('"') && self.peek_at(self.pos + 2) == Some('"')
            {
                self.pos += 3;
                // Count the lines the block string spans, so later tokens get the right line.
                let value = dedent_block_string(&raw);
                return Ok(Token {
                    kind: Kind::BlockString,
                    start,
                    loc,
                    value: Some(value),
                });
            }
            if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' {
                return self.err(
                    self.pos,
                    format!("Invalid character within String: {}", print_char_code(Some(c))),
                );
            }
            if c == '\\'
                && self.peek_at(self.pos + 1) == Some('"')
                && self.peek_at(self.pos + 2) == Some('"')
                && self.peek_at(self.pos + 3) == Some('"')
            {
                raw.push_str("\"\"\"");
                self.pos += 4;
                continue;
            }
            if c == '\n' || (c == '\r' && self.peek_at(self.pos + 1) != Some('\n')) {
                self.line += 1;
                self.line_start = self.pos + 1;
            }
            raw.push(c);
            self.pos += 1;
        }
        self.err(self.pos, "Unterminated string.")
    }
}

/// The spec's BlockStringValue(): common indentation and blank leading/trailing lines removed.
fn dedent_block_string(raw: &str) -> String {
    let lines: Vec<&str> = raw.split("\r\n").flat_map(|l| l.split(['\n', '\r'])).collect();
    let mut common: Option<usize> = None;
    for line in lines.iter().skip(1) {
        let indent = line.chars().take_while(|c| *c == ' ' || *c == '\t').count();
        if indent < line.chars().count() {
            common = Some(common.map_or(indent, |c| c.min(indent)));
        }
    }
    let mut out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match common {
            Some(c) if i > 0 => l.chars().skip(c).collect(),
            _ => l.to_string(),
        })
        .collect();
    let blank = |l: &String| l.chars().all(|c| c == ' ' || c == '\t');
    while out.first().is_some_and(blank) {
        out.remove(0);
    }
    while out.last().is_some_and(blank) {
        out.pop();
    }
    out.join("\n")
}

// ---------------------------------------------------------------------------------------------
// Parser

/// Mock decision: graphql-php has no such limits, but a recursive parser must not overflow the
/// stack on hostile input. Real documents stay far below both (QueryDepth allows 20 levels).
pub const MAX_NESTING: usize = 128;
pub const MAX_DEFINITIONS: usize = 500;

struct Parser {
    /// Current nesting of selection sets, list/object values and list types.
    depth: usize,
    lexer: Lexer,
    token: Token,
}

/// Parses an executable document, with graphql-php's syntax errors.
pub fn parse_document(src: &str) -> Result<Document, GraphqlError> {
    let lexer = Lexer::new(src);
    let sof = Token {
        kind: Kind::Sof,
        start: 0,
        loc: Location { line: 1, column: 1 },
        value: None,
    };
    let mut p = Parser {
        depth: 0,
        lexer,
        token: sof,
    };
    p.document().map_err(|e| {
        let chars = &p.lexer.chars;
        let loc = location_of(chars, e.position);
        GraphqlError {
            message: format!("Syntax Error: {}", e.description),
            locations: vec![loc],
            path: None,
            category: None,
        }
    })
}

/// `Source::getLocation`: line and column of a character position.
fn location_of(chars: &[char], position: usize) -> Location {
    let mut line = 1;
    let mut line_start = 0;
    let mut i = 0;
    let end = position.min(chars.len());
    while i < end {
        match chars[i] {
            '\r' => {
                if i + 1 < end && chars[i + 1] == '\n' {
                    i += 1;
                }
                line += 1;
                line_start = i + 1;
            }
            '\n' => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    Location {
        line,
        column: position + 1 - line_start,
    }
}

impl Parser {
    fn advance(&mut self) -> PResult<Token> {
        let next = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.token, next))
    }

    fn peek(&self, kind: Kind) -> bool {
        self.token.kind == kind
    }

    fn peek_keyword(&self, kw: &str) -> bool {
        self.token.kind == Kind::Name && self.token.value.as_deref() == Some(kw)
    }

    fn skip(&mut self, kind: Kind) -> PResult<bool> {
        if self.peek(kind) {
            self.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn expect(&mut self, kind: Kind) -> PResult<Token> {
        if self.peek(kind) {
            return self.advance();
        }
        Err(SyntaxError {
            position: self.token.start,
            description: format!("Expected {}, found {}", kind.as_str(), self.token.description()),
        })
    }

    fn expect_keyword(&mut self, kw: &str) -> PResult<()> {
        if self.peek_keyword(kw) {
            self.advance()?;
            return Ok(());
        }
        Err(SyntaxError {
            position: self.token.start,
            description: format!("Expected \"{kw}\", found {}", self.token.description()),
        })
    }

    fn unexpected<T>(&self, at: Option<&Token>) -> PResult<T> {
        let t = at.unwrap_or(&self.token);
        Err(SyntaxError {
            position: t.start,
            description: format!("Unexpected {}", t.description()),
        })
    }

    fn name(&mut self) -> PResult<Name> {
        let t = self.expect(Kind::Name)?;
        Ok(Name {
            value: t.value.unwrap_or_default(),
            loc: t.loc,
        })
    }

    /// Enters one nesting level (see [`MAX_NESTING`]).
    fn nest<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        if self.depth >= MAX_NESTING {
            return Err(SyntaxError {
                position: self.token.start,
                description: format!("Document nesting is deeper than {MAX_NESTING} levels."),
            });
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn document(&mut self) -> PResult<Document> {
        self.expect(Kind::Sof)?;
        let mut definitions = vec![];
        loop {
            if definitions.len() >= MAX_DEFINITIONS {
                return Err(SyntaxError {
                    position: self.token.start,
                    description: format!("Document has more than {MAX_DEFINITIONS} definitions."),
                });
            }
            let d = self.definition()?;
            let stop = matches!(d, Definition::TypeSystem { .. });
            definitions.push(d);
            if stop {
                // Type-system definitions are never executable; the first one decides the
                // (validation) error, so the rest of the document is not looked at.
                break;
            }
            if self.skip(Kind::Eof)? {
                break;
            }
        }
        Ok(Document {
            definitions,
            validated: std::sync::OnceLock::new(),
            variable_types: std::sync::OnceLock::new(),
        })
    }

    fn definition(&mut self) -> PResult<Definition> {
        if self.peek(Kind::Name) {
            let kw = self.token.value.clone().unwrap_or_default();
            match kw.as_str() {
                "query" | "mutation" | "subscription" => {
                    return Ok(Definition::Operation(self.operation()?));
                }
                "fragment" => return Ok(Definition::Fragment(self.fragment_definition()?)),
                "schema" | "scalar" | "type" | "interface" | "union" | "enum" | "input" | "extend"
                | "directive" => return self.type_system_definition(),
                _ => {}
            }
        } else if self.peek(Kind::BraceL) {
            return Ok(Definition::Operation(self.operation()?));
        } else if self.peek(Kind::String) || self.peek(Kind::BlockString) {
            self.advance()?;
            return self.type_system_definition();
        }
        self.unexpected(None)
    }

    fn type_system_definition(&mut self) -> PResult<Definition> {
        let loc = self.token.loc;
        let mut kw = self.expect(Kind::Name)?.value.unwrap_or_default();
        if kw == "extend" {
            kw = self.expect(Kind::Name)?.value.unwrap_or_default();
        }
        let name = if kw == "schema" {
            "schema".to_string()
        } else {
            if kw == "directive" {
                self.expect(Kind::At)?;
            }
            self.name()?.value
        };
        Ok(Definition::TypeSystem { name, loc })
    }

    fn operation(&mut self) -> PResult<Operation> {
        let loc = self.token.loc;
        if self.peek(Kind::BraceL) {
            return Ok(Operation {
                kind: OpKind::Query,
                name: None,
                loc,
                var_defs: vec![],
                directives: vec![],
                selection_set: self.selection_set()?,
            });
        }
        let op_tok = self.expect(Kind::Name)?;
        let kind = match op_tok.value.as_deref() {
            Some("query") => OpKind::Query,
            Some("mutation") => OpKind::Mutation,
            Some("subscription") => OpKind::Subscription,
            _ => return self.unexpected(Some(&op_tok)),
        };
        let name = if self.peek(Kind::Name) {
            Some(self.name()?)
        } else {
            None
        };
        let mut var_defs = vec![];
        if self.peek(Kind::ParenL) {
            self.expect(Kind::ParenL)?;
            var_defs.push(self.var_def()?);
            while !self.skip(Kind::ParenR)? {
                var_defs.push(self.var_def()?);
            }
        }
        let directives = self.directives(false)?;
        let selection_set = self.selection_set()?;
        Ok(Operation {
            kind,
            name,
            loc,
            var_defs,
            directives,
            selection_set,
        })
    }

    fn var_def(&mut self) -> PResult<VarDef> {
        let loc = self.token.loc;
        let name = self.variable()?;
        self.expect(Kind::Colon)?;
        let ty = self.type_reference()?;
        let default = if self.skip(Kind::Equals)? {
            Some(self.value(true)?)
        } else {
            None
        };
        // graphql-php v15 also accepts directives on variable definitions.
        let _ = self.directives(true)?;
        Ok(VarDef {
            loc,
            name,
            ty,
            default,
        })
    }

    fn variable(&mut self) -> PResult<Name> {
        let loc = self.token.loc;
        self.expect(Kind::Dollar)?;
        let n = self.name()?;
        Ok(Name { value: n.value, loc })
    }

    fn type_reference(&mut self) -> PResult<TypeNode> {
        let loc = self.token.loc;
        let ty = if self.skip(Kind::BracketL)? {
            let inner = self.nest(|p| p.type_reference())?;
            self.expect(Kind::BracketR)?;
            TypeNode::List(Box::new(inner), loc)
        } else {
            TypeNode::Named(self.name()?)
        };
        if self.skip(Kind::Bang)? {
            return Ok(TypeNode::NonNull(Box::new(ty), loc));
        }
        Ok(ty)
    }

    fn selection_set(&mut self) -> PResult<SelectionSet> {
        self.nest(|p| p.selection_set_inner())
    }

    fn selection_set_inner(&mut self) -> PResult<SelectionSet> {
        let loc = self.token.loc;
        self.expect(Kind::BraceL)?;
        let mut items = vec![self.selection()?];
        while !self.skip(Kind::BraceR)? {
            items.push(self.selection()?);
        }
        Ok(SelectionSet { loc, items })
    }

    fn selection(&mut self) -> PResult<Selection> {
        if self.peek(Kind::Spread) {
            return self.fragment();
        }
        let loc = self.token.loc;
        let first = self.name()?;
        let (alias, name) = if self.skip(Kind::Colon)? {
            (Some(first), self.name()?)
        } else {
            (None, first)
        };
        let args = self.arguments(false)?;
        let directives = self.directives(false)?;
        let selection_set = if self.peek(Kind::BraceL) {
            Some(self.selection_set()?)
        } else {
            None
        };
        Ok(Selection::Field(Field {
            loc,
            alias,
            name,
            args,
            directives,
            selection_set,
        }))
    }

    fn fragment(&mut self) -> PResult<Selection> {
        let loc = self.token.loc;
        self.expect(Kind::Spread)?;
        let has_type_condition = self.peek_keyword("on");
        if has_type_condition {
            self.advance()?;
        }
        if !has_type_condition && self.peek(Kind::Name) {
            let name = self.name()?;
            let directives = self.directives(false)?;
            return Ok(Selection::Spread(FragmentSpread {
                loc,
                name,
                directives,
            }));
        }
        let type_condition = if has_type_condition {
            Some(self.name()?)
        } else {
            None
        };
        let directives = self.directives(false)?;
        let selection_set = self.selection_set()?;
        Ok(Selection::Inline(InlineFragment {
            loc,
            type_condition,
            directives,
            selection_set,
        }))
    }

    fn fragment_definition(&mut self) -> PResult<FragmentDef> {
        let loc = self.token.loc;
        self.expect_keyword("fragment")?;
        if self.peek_keyword("on") {
            return self.unexpected(None);
        }
        let name = self.name()?;
        self.expect_keyword("on")?;
        let type_condition = self.name()?;
        let directives = self.directives(false)?;
        let selection_set = self.selection_set()?;
        Ok(FragmentDef {
            loc,
            name,
            type_condition,
            directives,
            selection_set,
        })
    }

    fn arguments(&mut self, is_const: bool) -> PResult<Vec<Argument>> {
        let mut args = vec![];
        if self.peek(Kind::ParenL) {
            self.expect(Kind::ParenL)?;
            args.push(self.argument(is_const)?);
            while !self.skip(Kind::ParenR)? {
                args.push(self.argument(is_const)?);
            }
        }
        Ok(args)
    }

    fn argument(&mut self, is_const: bool) -> PResult<Argument> {
        let loc = self.token.loc;
        let name = self.name()?;
        self.expect(Kind::Colon)?;
        let value = self.value(is_const)?;
        Ok(Argument { loc, name, value })
    }

    fn directives(&mut self, is_const: bool) -> PResult<Vec<Directive>> {
        let mut out = vec![];
        while self.peek(Kind::At) {
            let loc = self.token.loc;
            self.advance()?;
            let name = self.name()?;
            let args = self.arguments(is_const)?;
            out.push(Directive { loc, name, args });
        }
        Ok(out)
    }

    fn value(&mut self, is_const: bool) -> PResult<ValueNode> {
        self.nest(|p| p.value_inner(is_const))
    }

    fn value_inner(&mut self, is_const: bool) -> PResult<ValueNode> {
        let loc = self.token.loc;
        let kind = match self.token.kind {
            Kind::BracketL => {
                self.advance()?;
                let mut items = vec![];
                while !self.skip(Kind::BracketR)? {
                    items.push(self.value(is_const)?);
                }
                ValueKind::List(items)
            }
            Kind::BraceL => {
                self.advance()?;
                let mut fields = vec![];
                while !self.skip(Kind::BraceR)? {
                    let floc = self.token.loc;
                    let name = self.name()?;
                    self.expect(Kind::Colon)?;
                    let value = self.value(is_const)?;
                    fields.push(ObjectField {
                        loc: floc,
                        name,
                        value,
                    });
                }
                ValueKind::Object(fields)
            }
            Kind::Int => ValueKind::Int(self.advance()?.value.unwrap_or_default()),
            Kind::Float => ValueKind::Float(self.advance()?.value.unwrap_or_default()),
            Kind::String => ValueKind::String {
                value: self.advance()?.value.unwrap_or_default(),
                block: false,
            },
            Kind::BlockString => ValueKind::String {
                value: self.advance()?.value.unwrap_or_default(),
                block: true,
            },
            Kind::Name => {
                let v = self.advance()?.value.unwrap_or_default();
                match v.as_str() {
                    "true" => ValueKind::Boolean(true),
                    "false" => ValueKind::Boolean(false),
                    "null" => ValueKind::Null,
                    _ => ValueKind::Enum(v),
                }
            }
            Kind::Dollar if !is_const => ValueKind::Variable(self.variable()?.value),
            _ => return self.unexpected(None),
        };
        Ok(ValueNode { loc, kind })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax_error(src: &str) -> (String, usize, usize) {
        let e = parse_document(src).expect_err("a syntax error");
        (e.message, e.locations[0].line, e.locations[0].column)
    }

    #[test]
    fn empty_document_is_unexpected_eof_at_1_1() {
        assert_eq!(syntax_error(""), ("Syntax Error: Unexpected <EOF>".into(), 1, 1));
    }

    #[test]
    fn whitespace_only_document_points_past_the_whitespace() {
        assert_eq!(
            syntax_error("  \n  "),
            ("Syntax Error: Unexpected <EOF>".into(), 2, 3)
        );
    }

    #[test]
    fn unclosed_selection_set_expects_a_name() {
        assert_eq!(
            syntax_error("{ customer {"),
            ("Syntax Error: Expected Name, found <EOF>".into(), 1, 13)
        );
    }

    #[test]
    fn missing_colon_in_argument_describes_the_found_token() {
        assert_eq!(
            syntax_error("{ isEmailAvailable(email \"x\") }"),
            ("Syntax Error: Expected :, found String \"x\"".into(), 1, 26)
        );
    }

    #[test]
    fn unexpected_character_is_quoted() {
        assert_eq!(
            syntax_error("{ a ? }"),
            (
                "Syntax Error: Cannot parse the unexpected character \"?\".".into(),
                1,
                5
            )
        );
    }

    #[test]
    fn unterminated_string_points_at_the_end() {
        assert_eq!(
            syntax_error("{ a(b: \"abc"),
            ("Syntax Error: Unterminated string.".into(), 1, 12)
        );
    }

    #[test]
    fn single_quote_gets_its_own_hint() {
        let (m, _, _) = syntax_error("{ a(b: 'x') }");
        assert_eq!(
            m,
            "Syntax Error: Unexpected single quote character ('), did you mean to use a double quote (\")?"
        );
    }

    #[test]
    fn unknown_keyword_at_top_level_is_unexpected_name() {
        assert_eq!(
            syntax_error("foo { a }"),
            ("Syntax Error: Unexpected Name \"foo\"".into(), 1, 1)
        );
    }

    #[test]
    fn empty_parentheses_expect_a_name() {
        assert_eq!(
            syntax_error("{ a() }"),
            ("Syntax Error: Expected Name, found )".into(), 1, 5)
        );
    }

    #[test]
    fn invalid_number_names_the_character() {
        assert_eq!(
            syntax_error("{ a(b: -x) }"),
            (
                "Syntax Error: Invalid number, expected digit but got: \"x\"".into(),
                1,
                9
            )
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        assert_eq!(
            syntax_error("{ a(b: \"é\") ? }"),
            (
                "Syntax Error: Cannot parse the unexpected character \"?\".".into(),
                1,
                13
            )
        );
    }

    #[test]
    fn hostile_nesting_is_refused_instead_of_overflowing_the_stack() {
        let deep = format!("{}a{}", "{a".repeat(100_000), "}".repeat(100_000));
        let (m, _, _) = syntax_error(&deep);
        assert_eq!(m, "Syntax Error: Document nesting is deeper than 128 levels.");
        let deep_list = format!("{{ a(b: {}) }}", "[".repeat(100_000));
        assert_eq!(
            syntax_error(&deep_list).0,
            "Syntax Error: Document nesting is deeper than 128 levels."
        );
        let many = "fragment F on T { a } ".repeat(1000);
        assert_eq!(
            syntax_error(&many).0,
            "Syntax Error: Document has more than 500 definitions."
        );
    }

    #[test]
    fn parses_fragments_variables_and_block_strings() {
        let doc = parse_document(
            "query Q($a: [String!]! = [\"x\"]) { f(x: $a, y: \"\"\"\n  hi\n  there\"\"\") ...F ... on T { g } }\nfragment F on T { h }",
        )
        .unwrap();
        assert_eq!(doc.definitions.len(), 2);
        let Definition::Operation(op) = &doc.definitions[0] else {
            panic!()
        };
        assert_eq!(op.var_defs[0].ty.to_string(), "[String!]!");
        let Selection::Field(f) = &op.selection_set.items[0] else {
            panic!()
        };
        assert_eq!(f.args[1].value.print(), "\"\"\"\nhi\nthere\n\"\"\"");
        assert_eq!(f.args[1].loc, Location { line: 1, column: 44 });
        let Selection::Spread(s) = &op.selection_set.items[1] else {
            panic!()
        };
        assert_eq!(s.loc, Location { line: 3, column: 13 });
    }
}
