import { OmitType } from '@nestjs/swagger';
import { CreateUserRequest } from '@shipyard/contracts';

/**
 * The signup body as the auth service validates it (apps/auth's SignupRequest, derived the same way:
 * an app never imports another app): CreateUserRequest without `role`, which signup refuses.
 */
export class SignupRequest extends OmitType(CreateUserRequest, ['role'] as const) {}
