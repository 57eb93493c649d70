import { Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeployModelRequest, ErrorResponse, ServedModelListResponse, ServedModelResponse } from '@shipyard/contracts';
import { Public, RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

const OIP_ERROR = { schema: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] } };
const TENSOR = { type: 'object', properties: { name: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } }, datatype: { type: 'string', example: 'FP32' }, data: { type: 'array', items: {} }, parameters: { type: 'object' } } };
const INFER_REQUEST = { schema: { type: 'object', properties: { id: { type: 'string' }, parameters: { type: 'object' }, inputs: { type: 'array', items: TENSOR }, outputs: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, parameters: { type: 'object' } } } } }, required: ['inputs'] } };
const INFER_RESPONSE = { schema: { type: 'object', properties: { model_name: { type: 'string' }, model_version: { type: 'string' }, id: { type: 'string' }, outputs: { type: 'array', items: TENSOR } } } };

/**
 * Open Inference Protocol v2 (KServe/Triton) and the simple predict route, served by the inference
 * service. Health and server metadata are public (probes and load balancers call them); model metadata
 * and inference need the `predict` permission. Errors from the inference service keep OIP's `{"error"}` shape.
 */
@ApiTags('inference (Open Inference Protocol v2)')
@ApiResponse({ status: 400, description: 'Invalid input (OIP error shape)', ...OIP_ERROR })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The inference service is unavailable' })
@Controller()
export class InferenceRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Get('v2/health/live')
  @Public()
  @ApiOperation({ summary: 'OIP server liveness' })
  @ApiOkResponse({ schema: { type: 'object', properties: { live: { type: 'boolean' } } } })
  live(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Get('v2/health/ready')
  @Public()
  @ApiOperation({ summary: 'OIP server readiness: every configured model loaded and warmed' })
  @ApiOkResponse({ schema: { type: 'object', properties: { ready: { type: 'boolean' } } } })
  ready(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Get('v2')
  @Public()
  @ApiOperation({ summary: 'OIP server metadata (name, version, extensions)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' }, extensions: { type: 'array', items: { type: 'string' } } } } })
  server(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Get('v2/models/:name')
  @RequirePermission('predict')
  @ApiOperation({ summary: 'Model metadata: versions, platform, inputs and outputs with datatype and shape' })
  @ApiParam({ name: 'name', description: 'Registry model name' })
  @ApiResponse({ status: 404, ...OIP_ERROR })
  model(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Get('v2/models/:name/versions/:version')
  @RequirePermission('predict')
  @ApiOperation({ summary: 'Metadata of one served version' })
  @ApiParam({ name: 'name', description: 'Registry model name' })
  @ApiParam({ name: 'version', description: 'Registry version number' })
  @ApiResponse({ status: 404, ...OIP_ERROR })
  modelVersion(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Get('v2/models/:name/ready')
  @RequirePermission('predict')
  @ApiOperation({ summary: 'Model readiness' })
  @ApiParam({ name: 'name', description: 'Registry model name' })
  modelReady(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Get('v2/models/:name/versions/:version/ready')
  @RequirePermission('predict')
  @ApiOperation({ summary: 'Model version readiness' })
  @ApiParam({ name: 'name', description: 'Registry model name' })
  @ApiParam({ name: 'version', description: 'Registry version number' })
  modelVersionReady(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Post('v2/models/:name/infer')
  @RequirePermission('predict')
  @ApiOperation({ summary: 'Inference with typed tensors (JSON, or the binary tensor data extension)' })
  @ApiParam({ name: 'name', description: 'Registry model name' })
  @ApiBody(INFER_REQUEST)
  @ApiOkResponse(INFER_RESPONSE)
  @ApiResponse({ status: 400, ...OIP_ERROR })
  @ApiResponse({ status: 404, ...OIP_ERROR })
  infer(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Post('v2/models/:name/versions/:version/infer')
  @RequirePermission('predict')
  @ApiOperation({ summary: 'Inference on a specific served version' })
  @ApiParam({ name: 'name', description: 'Registry model name' })
  @ApiParam({ name: 'version', description: 'Registry version number' })
  @ApiBody(INFER_REQUEST)
  @ApiOkResponse(INFER_RESPONSE)
  @ApiResponse({ status: 400, ...OIP_ERROR })
  @ApiResponse({ status: 404, ...OIP_ERROR })
  inferVersion(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Post('api/v1/predict/:model')
  @RequirePermission('predict')
  @ApiOperation({ summary: 'Simple JSON prediction: {"inputs": [[…], …]} or {"instances": [{…}]} → {"predictions": […]}' })
  @ApiParam({ name: 'model', description: 'Registry model name' })
  @ApiBody({ schema: { type: 'object', properties: { inputs: {}, instances: { type: 'array', items: {} } } } })
  @ApiOkResponse({ schema: { type: 'object', properties: { predictions: { type: 'array', items: {} } } } })
  @ApiResponse({ status: 400, ...OIP_ERROR })
  @ApiResponse({ status: 404, ...OIP_ERROR })
  predict(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }
}

/** Which registry model versions the inference service serves. */
@ApiTags('inference')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The inference service (or the registry behind it) is unavailable' })
@Controller('api/v1/inference/models')
export class ServedModelsRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Post()
  @RequirePermission('admin')
  @ApiOperation({ summary: 'Load, warm and serve a registry model version (by version, alias, stage or newest); swaps atomically if already served' })
  @ApiBody({ type: DeployModelRequest })
  @ApiCreatedResponse({ type: ServedModelResponse })
  @ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model or version in the registry' })
  deploy(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Get()
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'What is served, with state, version and signature' })
  @ApiOkResponse({ type: ServedModelListResponse })
  list(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }

  @Delete(':name')
  @RequirePermission('admin')
  @ApiOperation({ summary: "Remove a model's deployment on every replica: it stops being served (requests in flight finish first), or goes back to its SHIPYARD_INFERENCE_MODELS reference when configured" })
  @ApiParam({ name: 'name', description: 'Registry model name' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'Served only from SHIPYARD_INFERENCE_MODELS: remove it there' })
  undeploy(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('inference', req, reply);
  }
}
