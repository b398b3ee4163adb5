/**
 * The Analyze and AnalyzeStack requests encoded straight into protobuf bytes with protobufjs's `Writer`, without
 * building message objects: the same bytes as the generated classes' `serializeBinary()` (fields in field-number
 * order, proto3 defaults left out, `google.protobuf.Struct` map entries sorted by key as `jspb.Map` writes them,
 * values as `Struct.fromJavaScript` types them, strings in google-protobuf's UTF-8). A resource's properties are
 * encoded once and embedded where they recur (its provider's properties in every request of the resources it
 * serves, its inputs in AnalyzeStack during a preview): an embedded message and a bytes field share one wire form.
 *
 * With thousands of resources the message objects were most of the gate process's work, and what they kept alive
 * made every young-generation collection copy them; google-protobuf's own `BinaryWriter` still allocated about
 * twenty times the bytes it wrote (a JavaScript array element per byte, copied again for every nested message).
 *
 * Field numbers: pulumi/pulumi proto/pulumi/analyzer.proto (AnalyzeRequest, AnalyzeStackRequest,
 * AnalyzerResource, AnalyzerResourceOptions, AnalyzerProviderResource, AnalyzerPropertyDependencies) and
 * google/protobuf/struct.proto.
 */
import { Writer } from "protobufjs/minimal";
import type { Json } from "../shared/types";

/* eslint-disable @typescript-eslint/no-require-imports */

/** The subset of google-protobuf's `jspb.BinaryWriter` used for strings that are not well-formed UTF-16. */
interface JspbWriter {
    writeString(field: number, value: string): void;
    getResultBuffer(): Uint8Array;
}

const jspb = require("google-protobuf") as { BinaryWriter: new () => JspbWriter };

/** A resource's encoded properties (`google.protobuf.Struct`), to embed in requests. */
export type EncodedStruct = Uint8Array;

/** Wire types (protobuf encoding): varint, 64-bit, length-delimited. */
const VARINT = 0;
const I64 = 1;
const LEN = 2;

function key(w: Writer, field: number, wireType: number): Writer {
    return w.uint32((field << 3) | wireType);
}

declare global {
    interface String {
        /** ES2024, in every Node the gate supports (the compiler's library here is ES2023). */
        isWellFormed(): boolean;
    }
}

/**
 * A string field. A string with a lone surrogate is encoded by google-protobuf itself, whose UTF-8 differs from
 * protobufjs's there (it drops a lone high surrogate that a character follows).
 */
function writeStringField(w: Writer, field: number, s: string): void {
    key(w, field, LEN);
    if (s.isWellFormed()) {
        w.string(s);
        return;
    }
    const jw = new jspb.BinaryWriter();
    jw.writeString(1, s);
    const b = jw.getResultBuffer();
    let i = 1; // after the field's key (one byte): the length varint, then the bytes
    while (((b[i] as number) & 0x80) !== 0) i++;
    w.bytes(b.subarray(i + 1));
}

/** A nested message field: its key, then its length and bytes when `write` is done. */
function message(w: Writer, field: number, write: () => void): void {
    key(w, field, LEN).fork();
    write();
    w.ldelim();
}

function writeValue(v: Json, w: Writer): void {
    if (v === null) key(w, 1, VARINT).uint32(0);
    else if (typeof v === "number") key(w, 2, I64).double(v);
    else if (typeof v === "string") writeStringField(w, 3, v);
    else if (typeof v === "boolean") key(w, 4, VARINT).bool(v);
    else if (Array.isArray(v)) message(w, 6, () => writeList(v, w));
    else if (typeof v === "object") message(w, 5, () => writeStructFields(v, w));
    else throw new Error(`a property value of type ${typeof v} has no protobuf Value form`);
}

function writeList(values: readonly Json[], w: Writer): void {
    for (const v of values) message(w, 1, () => writeValue(v, w));
}

function writeStructFields(obj: { readonly [k: string]: Json }, w: Writer): void {
    for (const k of Object.keys(obj).sort()) {
        message(w, 1, () => {
            writeStringField(w, 1, k);
            message(w, 2, () => writeValue(obj[k] as Json, w));
        });
    }
}

/** `Struct.fromJavaScript(obj).serializeBinary()`, without the objects. */
export function encodeStruct(obj: { readonly [k: string]: Json }): EncodedStruct {
    const w = Writer.create();
    writeStructFields(obj, w);
    return w.finish();
}

export interface WireOptions {
    readonly protect: boolean;
    readonly ignoreChanges: readonly string[];
    /** Undefined when the program did not set it (then neither it nor its `defined` flag is sent). */
    readonly deleteBeforeReplace?: boolean;
    readonly additionalSecretOutputs: readonly string[];
    readonly aliases: readonly string[];
    readonly parent: string;
    /** Always sent: zeros when none were given. */
    readonly customTimeouts: { readonly create: number; readonly update: number; readonly delete: number; readonly read: number };
}

export interface WireProvider {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly properties: EncodedStruct;
}

export interface WireResource {
    readonly type: string;
    readonly urn: string;
    readonly name: string;
    readonly properties: EncodedStruct;
    readonly options: WireOptions;
    readonly provider?: WireProvider;
}

export interface WireStackResource extends WireResource {
    readonly parent: string;
    readonly dependencies: readonly string[];
    /** Properties with the URNs they depend on (entries with none are left out by the caller). */
    readonly propertyDependencies: readonly (readonly [string, readonly string[]])[];
}

/** A string field, left out when it is empty (proto3's default). */
function writeString(w: Writer, field: number, s: string): void {
    if (s.length > 0) writeStringField(w, field, s);
}

function writeStrings(w: Writer, field: number, xs: readonly string[]): void {
    for (const s of xs) writeStringField(w, field, s);
}

function writeBool(w: Writer, field: number, b: boolean): void {
    key(w, field, VARINT).bool(b);
}

/** A double field, left out when it is 0 (proto3's default), as the generated classes leave it out. */
function writeDouble(w: Writer, field: number, d: number): void {
    if (d !== 0) key(w, field, I64).double(d);
}

function writeOptions(o: WireOptions, w: Writer): void {
    if (o.protect) writeBool(w, 1, true);
    writeStrings(w, 2, o.ignoreChanges);
    if (o.deleteBeforeReplace !== undefined) {
        if (o.deleteBeforeReplace) writeBool(w, 3, true);
        writeBool(w, 4, true);
    }
    writeStrings(w, 5, o.additionalSecretOutputs);
    writeStrings(w, 6, o.aliases);
    const t = o.customTimeouts;
    message(w, 7, () => {
        writeDouble(w, 1, t.create);
        writeDouble(w, 2, t.update);
        writeDouble(w, 3, t.delete);
        writeDouble(w, 4, t.read);
    });
    writeString(w, 8, o.parent);
}

function writeProvider(p: WireProvider, w: Writer): void {
    writeString(w, 1, p.type);
    key(w, 2, LEN).bytes(p.properties);
    writeString(w, 3, p.urn);
    writeString(w, 4, p.name);
}

/** Fields 1-6, shared by AnalyzeRequest and AnalyzerResource. */
function writeResource(r: WireResource, w: Writer): void {
    writeString(w, 1, r.type);
    key(w, 2, LEN).bytes(r.properties);
    writeString(w, 3, r.urn);
    writeString(w, 4, r.name);
    message(w, 5, () => writeOptions(r.options, w));
    const provider = r.provider;
    if (provider !== undefined) message(w, 6, () => writeProvider(provider, w));
}

function writeStackResource(r: WireStackResource, w: Writer): void {
    writeResource(r, w);
    writeString(w, 7, r.parent);
    writeStrings(w, 8, r.dependencies);
    const deps = [...r.propertyDependencies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [k, urns] of deps) {
        message(w, 9, () => {
            writeStringField(w, 1, k);
            message(w, 2, () => writeStrings(w, 1, urns));
        });
    }
}

/** An `AnalyzeRequest`'s bytes. */
export function encodeAnalyzeRequest(r: WireResource): Uint8Array {
    const w = Writer.create();
    writeResource(r, w);
    return w.finish();
}

/** An `AnalyzeStackRequest`'s bytes. */
export function encodeAnalyzeStackRequest(resources: readonly WireStackResource[]): Uint8Array {
    const w = Writer.create();
    for (const r of resources) message(w, 1, () => writeStackResource(r, w));
    return w.finish();
}
