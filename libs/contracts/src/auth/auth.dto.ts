import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsEmail, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { PageQuery } from '../http/pagination';
import { ROLES, Role, SCOPES, Scope } from './permissions';

export const PASSWORD_MAX = 256;

export class LoginRequest {
  @ApiProperty({ example: 'alice@example.com' }) @IsEmail() @MaxLength(320) email!: string;
  @ApiProperty({ format: 'password' }) @IsString() @Length(1, PASSWORD_MAX) password!: string;
}

export class RefreshRequest {
  @ApiProperty() @IsString() @Length(16, 512) refreshToken!: string;
}

export class TokenResponse {
  @ApiProperty({ description: 'JWT (EdDSA), short-lived' }) accessToken!: string;
  @ApiProperty({ description: 'Opaque; rotated on every use. Reusing a rotated one revokes the session.' }) refreshToken!: string;
  @ApiProperty({ description: 'Seconds until the access token expires' }) expiresIn!: number;
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty() disabled!: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class MeResponse extends UserResponse {
  @ApiProperty({ description: 'Effective permissions of this principal', type: [String] }) permissions!: string[];
  @ApiProperty({ enum: ['user', 'api_key'] }) via!: 'user' | 'api_key';
  @ApiPropertyOptional({ description: 'Set when authenticated with an API key' }) apiKeyId?: string;
}

export class CreateUserRequest {
  @ApiProperty() @IsEmail() @MaxLength(320) email!: string;
  @ApiProperty({ format: 'password', minLength: 12 }) @IsString() @Length(12, PASSWORD_MAX) password!: string;
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES) role!: Role;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) displayName?: string;
}

/**
 * Self-service signup: an account's email, password and display name (the same rules as an admin's
 * CreateUserRequest), never a role: signup always creates a viewer, so a `role` is refused (400) by
 * the strict validation pipe rather than silently ignored.
 */
export class SignupRequest extends OmitType(CreateUserRequest, ['role'] as const) {}

export class UpdateUserRequest {
  @ApiPropertyOptional({ enum: ROLES }) @IsOptional() @IsIn(ROLES) role?: Role;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() disabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) displayName?: string;
}

export class ResetPasswordRequest {
  @ApiProperty({ format: 'password', minLength: 12 }) @IsString() @Length(12, PASSWORD_MAX) password!: string;
}

export class UserPageResponse {
  @ApiProperty({ type: [UserResponse] }) items!: UserResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class CreateApiKeyRequest {
  @ApiProperty({ example: 'ci-pipeline' }) @IsString() @Length(1, 100) name!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(SCOPES.length) @IsIn(SCOPES, { each: true }) scopes!: Scope[];
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601({ strict: true }) expiresAt?: string;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Public part of the key, shown in lists: shp_<prefix>_…' }) prefix!: string;
  @ApiProperty({ enum: SCOPES, isArray: true }) scopes!: Scope[];
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ description: 'The whole key. Shown once; store it now.', example: 'shp_k3x9a2b7_…' }) key!: string;
}

export class ApiKeyPageResponse {
  @ApiProperty({ type: [ApiKeyResponse] }) items!: ApiKeyResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class AdminApiKeysQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only this user’s keys' })
  @IsOptional() @IsUUID('all', { message: 'ownerId must be a UUID' })
  ownerId?: string;
}

/** Internal: the gateway asks the auth service who an API key belongs to. */
export class VerifyApiKeyRequest {
  @IsString() @Length(10, 300) key!: string;
}

export interface VerifiedApiKey {
  keyId: string;
  userId: string;
  role: Role;
  scopes: Scope[];
  expiresAt: string | null;
}
