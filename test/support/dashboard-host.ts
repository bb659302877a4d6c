/**
 * A minimal MCP Apps host for the browser test, on ext-apps' own AppBridge: it puts a view in a sandboxed
 * frame as hosts do, hands it one tool call's input and result, and forwards the view's tool calls to the
 * test (and so to the real server) through `hostCallTool`, which the test exposes to the page.
 */
import { AppBridge, PostMessageTransport, type McpUiHostContext } from '@modelcontextprotocol/ext-apps/app-bridge';
import type { CallToolRequest, CallToolResult } from '@modelcontextprotocol/sdk/types.js';

interface HostWindow {
  hostCallTool(params: CallToolRequest['params']): Promise<CallToolResult>;
  showTool(id: string, html: string, context: McpUiHostContext, input: Record<string, unknown>, result: CallToolResult): Promise<void>;
  setContext(id: string, context: McpUiHostContext): void;
}

const host = window as unknown as Window & HostWindow;
const bridges = new Map<string, AppBridge>();

host.showTool = async (id, html, context, input, result) => {
  const frame = document.createElement('iframe');
  frame.id = id;
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.style.cssText = `display:block;border:0;width:${context.containerDimensions && 'width' in context.containerDimensions ? context.containerDimensions.width : 720}px;height:200px;margin:0 0 16px`;
  document.body.append(frame);
  // As a chat shows its newest message; Chromium does not animate frames out of view, so they never resize.
  frame.scrollIntoView();
  const bridge = new AppBridge(null, { name: 'dashboard-test-host', version: '1.0.0' }, { serverTools: {} }, { hostContext: context });
  bridge.oncalltool = (params) => host.hostCallTool(params);
  bridge.onsizechange = ({ height }) => {
    if (height !== undefined) frame.style.height = `${height}px`;
  };
  const initialized = new Promise<void>((resolve) => {
    bridge.oninitialized = () => resolve();
  });
  const view = frame.contentWindow as Window;
  await bridge.connect(new PostMessageTransport(view, view));
  frame.srcdoc = html;
  await initialized;
  bridges.set(id, bridge);
  await bridge.sendToolInput({ arguments: input });
  await bridge.sendToolResult(result);
};

host.setContext = (id, context) => {
  bridges.get(id)?.setHostContext(context);
};
