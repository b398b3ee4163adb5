/**
 * The Analyze and AnalyzeStack requests encoded straight into protobuf bytes with google-protobuf's own
 * BinaryWriter, without building message objects: the same bytes as the generated classes' `serializeBinary()`
 * (fields in field-number order, proto3 defaults left out, `google.protobuf.Struct` map entries sorted by key as
 * `jspb.Map` writes them, values as `Struct.fromJavaScript` types them). A resource's properties are encoded once
 * and embedded where they recur (its provider's properties in every request of the resources it serves, its
 * inputs in AnalyzeStack during a preview): an embedded message and a bytes field share one wire form.
 *
 * With thousands of resources the message objects were most of the gate process's work, and what they kept alive
 * made every young-generation collection copy them.
 *
 * Field numbers: pulumi/pulumi proto/pulumi/analyzer.proto (AnalyzeRequest, AnalyzeStackRequest,
 * AnalyzerResource, AnalyzerResourceOptions, AnalyzerProviderResource, AnalyzerPropertyDependencies) and
 * google/protobuf/struct.proto.
 */
import type { Json } from "../shared/types";

/* eslint-disable @typescript-eslint/no-require-imports */

/** The subset of google-protobuf's `jspb.BinaryWriter` used here. */
interface BinaryWriter {
    writeString(field: number, value: string): void;
    writeBool(field: number, value: boolean): void;
    writeDouble(field: number, value: number): void;
    writeEnum(field: number, value: number): void;
    writeBytes(field: number, value: Uint8Array): void;
    writeMessage<T>(field: number, value: T, write: (value: T, writer: BinaryWriter) => void): void;
    getResultBuffer(): Uint8Array;
}

const jspb = require("google-protobuf") as { BinaryWriter: new () => BinaryWriter };

/** A resource's encoded properties (`google.protobuf.Struct`), to embed in requests. */
export type EncodedStruct = Uint8Array;

function writeValue(v: Json, w: BinaryWriter): void {
    if (v === null) w.writeEnum(1, 0);
    else if (typeof v === "number") w.writeDouble(2, v);
    else if (typeof v === "string") w.writeString(3, v);
    else if (typeof v === "boolean") w.writeBool(4, v);
    else if (Array.isArray(v)) w.writeMessage(6, v, writeList);
    else if (typeof v === "object") w.writeMessage(5, v, writeStructFields);
    else throw new Error(`a property value of type ${typeof v} has no protobuf Value form`);
}

// writeMessage skips a null or undefined value, so a Value is written through its container and index.
function writeList(values: readonly Json[], w: BinaryWriter): void {
    for (let i = 0; i < values.length; i++) w.writeMessage(1, values, (vs, vw) => writeValue(vs[i] as Json, vw));
}

function writeStructFields(obj: { readonly [k: string]: Json }, w: BinaryWriter): void {
    for (const key of Object.keys(obj).sort()) {
        w.writeMessage(1, obj, (o, e) => {
            e.writeString(1, key);
            e.writeMessage(2, o, (oo, vw) => writeValue(oo[key] as Json, vw));
        });
    }
}

/** `Struct.fromJavaScript(obj).serializeBinary()`, without the objects. */
export function encodeStruct(obj: { readonly [k: string]: Json }): EncodedStruct {
    const w = new jspb.BinaryWriter();
    writeStructFields(obj, w);
    return w.getResultBuffer();
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

function writeString(w: BinaryWriter, field: number, s: string): void {
    if (s.length > 0) w.writeString(field, s);
}

function writeStrings(w: BinaryWriter, field: number, xs: readonly string[]): void {
    for (const s of xs) w.writeString(field, s);
}

function writeOptions(o: WireOptions, w: BinaryWriter): void {
    if (o.protect) w.writeBool(1, true);
    writeStrings(w, 2, o.ignoreChanges);
    if (o.deleteBeforeReplace !== undefined) {
        if (o.deleteBeforeReplace) w.writeBool(3, true);
        w.writeBool(4, true);
    }
    writeStrings(w, 5, o.additionalSecretOutputs);
    writeStrings(w, 6, o.aliases);
    w.writeMessage(7, o.customTimeouts, (t, tw) => {
        if (t.create !== 0) tw.writeDouble(1, t.create);
        if (t.update !== 0) tw.writeDouble(2, t.update);
        if (t.delete !== 0) tw.writeDouble(3, t.delete);
        if (t.read !== 0) tw.writeDouble(4, t.read);
    });
    writeString(w, 8, o.parent);
}

function writeProvider(p: WireProvider, w: BinaryWriter): void {
    writeString(w, 1, p.type);
    w.writeBytes(2, p.properties);
    writeString(w, 3, p.urn);
    writeString(w, 4, p.name);
}

/** Fields 1-6, shared by AnalyzeRequest and AnalyzerResource. */
function writeResource(r: WireResource, w: BinaryWriter): void {
    writeString(w, 1, r.type);
    w.writeBytes(2, r.properties);
    writeString(w, 3, r.urn);
    writeString(w, 4, r.name);
    w.writeMessage(5, r.options, writeOptions);
    if (r.provider !== undefined) w.writeMessage(6, r.provider, writeProvider);
}

function writeStackResource(r: WireStackResource, w: BinaryWriter): void {
    writeResource(r, w);
    writeString(w, 7, r.parent);
    writeStrings(w, 8, r.dependencies);
    const deps = [...r.propertyDependencies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, urns] of deps) {
        w.writeMessage(9, key, (k, e) => {
            e.writeString(1, k);
            e.writeMessage(2, urns, (us, dw) => writeStrings(dw, 1, us));
        });
    }
}

/** An `AnalyzeRequest`'s bytes. */
export function encodeAnalyzeRequest(r: WireResource): Uint8Array {
    const w = new jspb.BinaryWriter();
    writeResource(r, w);
    return w.getResultBuffer();
}

/** An `AnalyzeStackRequest`'s bytes. */
export function encodeAnalyzeStackRequest(resources: readonly WireStackResource[]): Uint8Array {
    const w = new jspb.BinaryWriter();
    for (const r of resources) w.writeMessage(1, r, writeStackResource);
    return w.getResultBuffer();
}
